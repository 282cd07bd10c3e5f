// Package fileerr is the one error type for bad input at a place in a file:
// "file:line: what" (or "file: what" for the file as a whole), the form
// that editors and terminals jump to. The result loader (report/results)
// and the samples reader (sampler) both reject input with it, so that
// their messages read alike and a caller finds the place with errors.As.
//
// It imports nothing of the project, so that any package may use it
// (sampler keeps free of the rest of the project).
package fileerr

import "fmt"

// Error is bad input in File at Line; Line is 0 when the error is about
// the whole file (missing, empty).
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
