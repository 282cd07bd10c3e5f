package leakcheck

import (
	"flag"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/concbench/concbench/proc"
)

// Helper roles are child roles that only tests play (a worker that
// answers a wrong checksum, one that dies mid-task), registered from
// _test.go files so that no production binary carries them. As os/exec's
// own tests do with their helper commands, Main fails a run of every test
// in which a registered helper was never used: a helper outlives no test.
var helpers = struct {
	sync.Mutex
	used map[string]bool
}{used: map[string]bool{}}

// Helper registers a test-only child role; call it from an init function
// of a _test.go file.
func Helper(name string, main func() int) {
	proc.Register(name, main)
	helpers.Lock()
	defer helpers.Unlock()
	helpers.used[name] = false
}

// UseHelper marks a helper role used and returns its name, to start it
// with (proc.Start, model.Process.Role). An unregistered name panics: a
// typo would otherwise fail only in the child.
func UseHelper(name string) string {
	helpers.Lock()
	defer helpers.Unlock()
	if _, ok := helpers.used[name]; !ok {
		panic("leakcheck: no helper role " + name)
	}
	helpers.used[name] = true
	return name
}

// unusedHelpers names the helper roles no test used, when every test ran
// (no -test.run, -test.skip, -test.list or -test.short).
func unusedHelpers() error {
	for _, f := range []string{"test.run", "test.skip", "test.list"} {
		if fl := flag.Lookup(f); fl != nil && fl.Value.String() != "" {
			return nil
		}
	}
	if testing.Short() {
		return nil
	}
	helpers.Lock()
	defer helpers.Unlock()
	var unused []string
	for name, used := range helpers.used {
		if !used {
			unused = append(unused, name)
		}
	}
	if len(unused) == 0 {
		return nil
	}
	slices.Sort(unused)
	return fmt.Errorf("helper roles no test used (remove them): %v", unused)
}
