package record

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// FileMode is the mode of stored result files: others on the machine, and
// CI's artifact upload, read them.
const FileMode = 0o644

// tmpPrefix names a recording's private working directory inside
// results/<host-id>/ (so that storing is a link(2) and a rename(2) on one
// file system); owned.RemoveStale removes those of dead recorders.
const tmpPrefix = ".record-"

// Store claims the name of a finished recording. The output was written to
// txt (a file) and, where the run saved per-core series, to samples (a
// directory, possibly absent), both inside dir's private working
// directory. Store links txt to dir/<stamp>.txt, or <stamp>-1.txt,
// <stamp>-2.txt ... when the name is taken: link(2) fails rather than
// replace, so two recorders can never take the same name and a stored file
// is never overwritten. The samples directory then moves to the same base
// name with .samples, again without replacing anything; the recorder that
// holds <base>.txt is the only one that creates <base>.samples.
func Store(dir, stamp, txt, samples string) (string, error) {
	if err := os.Chmod(txt, FileMode); err != nil { // whatever the umask or the temp file's mode
		return "", fmt.Errorf("store: %w", err)
	}
	hasSamples := nonEmptyDir(samples)
	for n := 0; ; n++ {
		base := filepath.Join(dir, stamp)
		if n > 0 {
			base += "-" + strconv.Itoa(n)
		}
		err := claim(txt, base+".txt")
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("store %s.txt: %w", base, err)
		}
		if hasSamples {
			err = renameNoReplace(samples, base+".samples")
		} else if _, serr := os.Lstat(base + ".samples"); serr == nil {
			err = os.ErrExist // a stray folder of that name: not ours to pair with
		}
		if errors.Is(err, os.ErrExist) {
			os.Remove(base + ".txt") // ours: nothing can have replaced it
			continue
		}
		if err != nil {
			os.Remove(base + ".txt")
			return "", fmt.Errorf("store %s.samples: %w", base, err)
		}
		return base + ".txt", nil
	}
}

// claim makes dst a name of src without ever replacing dst: a hard link,
// or on a file system without them, an O_EXCL create and a copy.
func claim(src, dst string) error {
	err := os.Link(src, dst)
	var le *os.LinkError
	if err == nil || errors.Is(err, os.ErrExist) || !errors.As(err, &le) ||
		!(errors.Is(le.Err, syscall.EPERM) || errors.Is(le.Err, syscall.ENOTSUP) || errors.Is(le.Err, syscall.EXDEV)) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

// renameNoReplace moves src to dst, failing with os.ErrExist when dst
// exists (a plain rename(2) would replace an empty directory).
func renameNoReplace(src, dst string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) { // a file system without the flag
		if _, serr := os.Lstat(dst); serr == nil {
			return os.ErrExist
		}
		err = os.Rename(src, dst)
	}
	if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
		return os.ErrExist
	}
	return err
}

func nonEmptyDir(dir string) bool {
	ents, err := os.ReadDir(dir)
	return err == nil && len(ents) > 0
}
