package report

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The report directory is the only thing the report ever deletes, so it
// must be sure a directory is its own before it replaces one. A directory is
// the report's when it holds a marker file, markerName, that the report
// wrote, and nothing but the marker and the files the marker lists, each a
// plain file with a name the report writes (README.md, tables.*, *.png,
// *.svg). So a marker copied into a results folder does not make it
// replaceable (the result files are not listed, and a list naming them is
// refused), a user's file added to a report is kept (the whole report is
// refused), and a symbolic link is never followed or replaced.

// markerName is the file that says "concbench report made this directory".
const markerName = ".concbench-report"

// markerHead is the marker's first line; the file names follow, one a line.
const markerHead = "concbench report: written by `concbench report -o`, which replaces this directory whole; it wrote the files below.\n"

// ErrNotReport is wrapped by the error of a Write whose directory is not a
// report directory the report made: it is refused and left untouched.
var ErrNotReport = errors.New("not a report directory")

// outFile is one file of a rendered report.
type outFile struct {
	name string
	data []byte
}

// reportFile reports whether name is one the report writes.
func reportFile(name string) bool {
	switch name {
	case "README.md", "tables.txt", "tables.csv":
		return true
	}
	ext := filepath.Ext(name)
	return (ext == ".png" || ext == ".svg") && !strings.HasPrefix(name, ".") && filepath.Base(name) == name
}

// checkOut says whether dir may be replaced: it does not exist (exists is
// false), it is an empty directory, or it is a report directory (old lists
// its files). Anything else is an error wrapping ErrNotReport.
func checkOut(dir string) (old []string, exists bool, err error) {
	refuse := func(format string, a ...any) error {
		return fmt.Errorf("-o %s: %w (%s); refusing to replace it", dir, ErrNotReport, fmt.Sprintf(format, a...))
	}
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("-o %s: %w", dir, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, true, refuse("it is a symbolic link")
	case !st.IsDir():
		return nil, true, refuse("it is not a directory")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, true, fmt.Errorf("-o %s: %w", dir, err)
	}
	if len(ents) == 0 {
		return nil, true, nil
	}
	listed, err := readMarker(dir)
	if err != nil {
		return nil, true, refuse("%v", err)
	}
	for _, e := range ents {
		if e.Name() == markerName {
			continue
		}
		if !e.Type().IsRegular() || !listed[e.Name()] {
			return nil, true, refuse("it holds %s, which the report did not write", e.Name())
		}
		old = append(old, e.Name())
	}
	return old, true, nil
}

// readMarker returns the file names dir's marker lists.
func readMarker(dir string) (map[string]bool, error) {
	p := filepath.Join(dir, markerName)
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s, the marker every report has; an unmarked report is from an older concbench: remove it yourself", markerName)
	}
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("its %s is not a regular file", markerName)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(string(b), markerHead)
	if !ok {
		return nil, fmt.Errorf("its %s was not written by the report", markerName)
	}
	listed := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(rest))
	for sc.Scan() {
		if !reportFile(sc.Text()) {
			return nil, fmt.Errorf("its %s lists %q, which the report never writes", markerName, sc.Text())
		}
		listed[sc.Text()] = true
	}
	return listed, nil
}

// install puts files into dir as one step: they are written into a fresh
// temporary directory beside dir, with the marker, which then takes dir's
// place (old, checked again now, is what dir holds). An interrupted or
// failed install leaves dir as it was; only a temporary directory starting
// with "." may remain.
func install(dir string, files []outFile) (err error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	prefix := "." + filepath.Base(dir) + ".tmp-"
	removeStale(parent, prefix)
	tmp, err := os.MkdirTemp(parent, prefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return err
	}
	swapped := false
	defer func() {
		if err != nil && !swapped {
			os.RemoveAll(tmp) // made above, holds only what we wrote
		}
	}()
	var list strings.Builder
	list.WriteString(markerHead)
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(tmp, f.name), f.data, 0o644); err != nil {
			return err
		}
		list.WriteString(f.name + "\n")
	}
	if err := os.WriteFile(filepath.Join(tmp, markerName), []byte(list.String()), 0o644); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	old, exists, err := checkOut(dir) // again: dir may have changed while rendering
	if err != nil {
		return err
	}
	if !exists {
		return os.Rename(tmp, dir) // fails if a non-empty dir appeared meanwhile
	}
	aside, err := swap(tmp, dir)
	if err != nil {
		return fmt.Errorf("-o %s: %w", dir, err)
	}
	swapped = true // tmp, if it still exists, now holds the old report
	return removeOld(aside, old)
}

// swap puts the directory new in old's place and returns where old went:
// one atomic exchange where the kernel has one, else two renames (with a
// moment in between when dir does not exist; a failed second rename puts
// dir back).
func swap(new, dir string) (aside string, err error) {
	if err := atomicExchange(new, dir); err == nil {
		return new, nil
	} else if !errors.Is(err, errNoExchange) {
		return "", err
	}
	aside = new + ".old"
	if err := os.Rename(dir, aside); err != nil {
		return "", err
	}
	if err := os.Rename(new, dir); err != nil {
		os.Rename(aside, dir)
		return "", err
	}
	return aside, nil
}

// removeOld deletes the old report moved aside: the files its marker listed,
// the marker, then the directory, which must then be empty. Never a
// recursive remove: whatever else is there stays, and the error says where.
func removeOld(aside string, old []string) error {
	for _, name := range append(old, markerName) {
		if err := os.Remove(filepath.Join(aside, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("new report in place; removing the old one: %w", err)
		}
	}
	if err := os.Remove(aside); err != nil {
		return fmt.Errorf("new report in place; the old one is left in %s: %w", aside, err)
	}
	return nil
}

// errNoExchange says the system cannot swap two paths atomically.
var errNoExchange = errors.New("no atomic exchange")

// atomicExchange is exchange; a test replaces it to take the fallback.
var atomicExchange = exchange

// removeStale removes the temporary directories that installs killed
// before they finished left beside dir: only those named prefix<pid>-…
// whose pid is no longer running, and in them only plain files the report
// writes (and a ".old" twin of the same kind); a directory holding anything
// else stays, as does every other name.
func removeStale(parent, prefix string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if !ok || err != nil || !e.IsDir() || e.Type()&fs.ModeSymlink != 0 || alive(pid) {
			continue
		}
		stale := filepath.Join(parent, e.Name())
		files, err := os.ReadDir(stale)
		if err != nil {
			continue
		}
		for _, f := range files {
			if f.Type().IsRegular() && (reportFile(f.Name()) || f.Name() == markerName) {
				os.Remove(filepath.Join(stale, f.Name()))
			}
		}
		os.Remove(stale) // fails, and leaves it, unless now empty
	}
}

// alive reports whether a process with that pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
