package results

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/concbench/concbench/internal/fileerr"
)

// Error is a load error at a place in an input. Line is 0 when the error is
// about the whole file (missing, empty).
type Error = fileerr.Error

// Input is one file to read and its ".file" label.
type Input struct{ Label, Path string }

// ParseArgs reads command-line inputs the way benchstat does: "path" or
// "label=path"; a path given twice without a label gets the labels
// "path#0", "path#1", so that its two readings stay apart.
func ParseArgs(args []string) []Input {
	in := make([]Input, len(args))
	labeled := make([]bool, len(args))
	count := map[string]int{}
	for i, a := range args {
		in[i] = Input{a, a}
		if j := strings.Index(a, "="); j >= 0 {
			in[i] = Input{a[:j], a[j+1:]}
			labeled[i] = true
		} else {
			count[a]++
		}
	}
	next := map[string]int{}
	for i := range in {
		if p := in[i].Path; !labeled[i] && count[p] > 1 {
			in[i].Label = fmt.Sprintf("%s#%d", p, next[p])
			next[p]++
		}
	}
	return in
}

// File is one input after reading: its label, its path, its file-level
// config lines (those of its first result, in order) and how many results
// it held.
type File struct {
	Label, Path string
	Config      []Config
	Results     int
}

// Config is one file-level configuration line ("goos: linux").
type Config struct{ Key, Value string }

// Reader reads inputs one result at a time and checks each one; see the
// package doc for the rules.
type Reader struct {
	files []File
	i     int // index of the current input in files; -1 before the first
	f     *os.File
	lines *lineCounter
	r     benchfmt.Reader
	err   error
	done  bool

	config    map[string]seenConfig // this file's config keys
	firstUse  map[string]pos        // unit -> first result line using it
	unitOrder []string
}

type seenConfig struct {
	value string
	line  int
}

type pos struct {
	file string
	line int
}

// Open checks that every input is a readable file, so that a missing one
// is reported before any work, and returns a Reader positioned before the
// first result.
func Open(inputs []Input) (*Reader, error) {
	if len(inputs) == 0 {
		return nil, errors.New("no input files")
	}
	r := &Reader{i: -1, firstUse: map[string]pos{}}
	for _, in := range inputs {
		st, err := os.Stat(in.Path)
		if err != nil {
			msg := err.Error()
			if errors.Is(err, fs.ErrNotExist) {
				msg = "no such file"
			}
			return nil, &Error{File: in.Path, Err: errors.New(msg)}
		}
		if st.IsDir() {
			return nil, &Error{File: in.Path, Err: errors.New("is a directory, want a result file")}
		}
		r.files = append(r.files, File{Label: in.Label, Path: in.Path})
	}
	return r, nil
}

// Scan advances to the next result that passed every check. It returns
// false at the end of the last input or at the first error (see Err).
func (r *Reader) Scan() bool {
	for r.err == nil && !r.done {
		if r.f == nil && !r.openNext() {
			continue
		}
		if !r.r.Scan() {
			r.endFile()
			continue
		}
		switch rec := r.r.Result().(type) {
		case *benchfmt.SyntaxError:
			r.fail(rec.Line, rec.Msg)
		case *benchfmt.UnitMetadata:
			if msg := checkUnitLine(rec); msg != "" {
				_, line := rec.Pos()
				r.fail(line, msg)
			}
		case *benchfmt.Result:
			if r.accept(rec) {
				return true
			}
		}
	}
	return false
}

// openNext opens the next input, or finishes when there is none.
func (r *Reader) openNext() bool {
	if r.i+1 == len(r.files) {
		r.done = true
		r.err = r.checkUnits()
		return false
	}
	r.i++
	in := &r.files[r.i]
	f, err := os.Open(in.Path)
	if err != nil {
		r.err = &Error{File: in.Path, Err: err}
		return false
	}
	r.f, r.lines = f, &lineCounter{r: f}
	r.config = map[string]seenConfig{}
	// ".file" is not valid syntax for a config key in a file, so the
	// file cannot override it (benchfmt.Files does the same).
	r.r.Reset(r.lines, in.Path, ".file", in.Label)
	return true
}

// endFile closes the current input after its last line or an I/O error.
func (r *Reader) endFile() {
	in := &r.files[r.i]
	if err := r.r.Err(); err != nil {
		// benchfmt numbers the lines it has read; the line it could
		// not read is the one after every newline read so far.
		if u := errors.Unwrap(err); u != nil {
			err = u // benchfmt's file:line, one line short
		}
		msg := "read: " + err.Error()
		if errors.Is(err, bufio.ErrTooLong) {
			msg = fmt.Sprintf("line longer than %d KiB: not benchmark output", bufio.MaxScanTokenSize/1024)
		}
		r.fail(r.lines.n+1, msg)
		return
	}
	r.closeFile()
	if in.Results == 0 {
		r.err = &Error{File: in.Path, Err: errors.New("no benchmark results (empty or not benchmark output)")}
	}
}

func (r *Reader) closeFile() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

// fail records an error at a line of the current input and stops.
func (r *Reader) fail(line int, msg string) {
	r.err = &Error{File: r.files[r.i].Path, Line: line, Err: errors.New(msg)}
	r.closeFile()
}

// accept checks one result and records its config and units.
func (r *Reader) accept(rec *benchfmt.Result) bool {
	_, line := rec.Pos()
	if msg := checkResult(rec); msg != "" {
		r.fail(line, msg)
		return false
	}
	if msg := r.checkConfig(rec, line); msg != "" {
		r.fail(line, msg)
		return false
	}
	in := &r.files[r.i]
	if in.Results == 0 {
		for _, c := range rec.Config {
			if c.File {
				in.Config = append(in.Config, Config{c.Key, string(c.Value)})
			}
		}
	}
	in.Results++
	for _, v := range rec.Values {
		if _, ok := r.firstUse[v.Unit]; !ok {
			r.firstUse[v.Unit] = pos{in.Path, line}
			r.unitOrder = append(r.unitOrder, v.Unit)
		}
	}
	return true
}

// machineKeys are the config keys that say which machine and toolchain
// made a result. Other keys may change within a file: go test prints pkg
// once per package, and a long interleaved run records the checkout's
// commit at every round, which can move while it runs.
var machineKeys = map[string]bool{
	"goos": true, "goarch": true, "cpu": true, "ncpu": true, "host-id": true, "kernel": true, "go": true,
}

// checkConfig enforces "one file is one run on one machine": a machine
// key keeps its first value for the whole file.
func (r *Reader) checkConfig(rec *benchfmt.Result, line int) string {
	for _, c := range rec.Config {
		if !c.File || !machineKeys[c.Key] {
			continue
		}
		have, ok := r.config[c.Key]
		if !ok {
			r.config[c.Key] = seenConfig{string(c.Value), line}
			continue
		}
		if have.value != string(c.Value) {
			return fmt.Sprintf("config %q is %q here but was %q at line %d: one file is one run on one machine", c.Key, c.Value, have.value, have.line)
		}
	}
	return ""
}

// checkUnits rejects a unit used by a result and declared nowhere.
func (r *Reader) checkUnits() error {
	units := r.r.Units()
	declared := map[string]bool{}
	for k := range units {
		declared[k.Unit] = true
	}
	for _, u := range r.unitOrder {
		if !builtinUnits[u] && !declared[u] {
			p := r.firstUse[u]
			return &Error{File: p.file, Line: p.line,
				Err: fmt.Errorf("unit %q is not declared (add a line \"Unit %s better=lower\" or better=higher)", u, u)}
		}
	}
	return nil
}

// Result is the current result. The Reader reuses it: copy (Clone) what
// you keep.
func (r *Reader) Result() *benchfmt.Result {
	rec, _ := r.r.Result().(*benchfmt.Result)
	return rec
}

// Input is the index, in the inputs given to Open, of the current result's
// file.
func (r *Reader) Input() int { return r.i }

// Err is the first problem found, an *Error, or nil.
func (r *Reader) Err() error { return r.err }

// Files describes the inputs; complete once Scan has returned false.
func (r *Reader) Files() []File { return r.files }

// Units is the unit metadata of every input, keyed by tidied unit.
func (r *Reader) Units() benchfmt.UnitMetadataMap { return r.r.Units() }

// Close releases the open input, for a caller that stops before Scan
// returns false.
func (r *Reader) Close() { r.closeFile() }

// lineCounter counts the newlines read from r.
type lineCounter struct {
	r io.Reader
	n int
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += bytes.Count(p[:n], []byte{'\n'})
	return n, err
}
