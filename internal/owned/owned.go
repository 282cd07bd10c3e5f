// Package owned makes temporary directories that carry their owner's
// pid in their name, so that a later run can tell a dead owner's leftover
// (SIGKILL, the OOM killer) from a live one's and remove only the first.
// The recorder's working directories and a test binary's private TMPDIR
// are made here.
package owned

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// MkdirTemp creates a temporary directory parent/<prefix><pid>-<random>
// that belongs to this process: the pid in its name lets a later run tell
// that its owner is dead (SIGKILL, OOM) and remove it with RemoveStale.
// The caller removes it when done.
func MkdirTemp(parent, prefix string) (string, error) {
	dir, err := os.MkdirTemp(parent, prefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("temporary directory in %s: %w", parent, err)
	}
	return dir, nil
}

// RemoveStale removes what MkdirTemp left in parent under prefix whose
// owner process is gone, and only that: entries of another user, entries
// whose name has no pid where MkdirTemp puts it, and entries of a live
// process are kept. A pid that was reused by a new process keeps its
// leftover until that process ends too, which errs on the safe side.
func RemoveStale(parent, prefix string) error {
	ents, err := os.ReadDir(parent)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("stale temporary files in %s: %w", parent, err)
	}
	var errs []error
	for _, e := range ents {
		pid, ok := ownerPid(e.Name(), prefix)
		if !ok || alive(pid) || !mine(filepath.Join(parent, e.Name())) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(parent, e.Name())); err != nil {
			errs = append(errs, fmt.Errorf("remove stale %s: %w", e.Name(), err))
		}
	}
	return errors.Join(errs...)
}

func ownerPid(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(digits)
	return pid, ok && err == nil && pid > 0
}

// alive: signal 0 checks that the process exists; EPERM means it exists
// and belongs to someone else.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func mine(path string) bool {
	fi, err := os.Lstat(path)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
