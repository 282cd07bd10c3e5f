package leakcheck

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/netns"
)

// TestCheckSeesLeaks: each kind of leftover is named by Check or TempLeft,
// and a clean run passes.
func TestCheckSeesLeaks(t *testing.T) {
	dir := t.TempDir()
	if err := TempLeft(dir); err != nil {
		t.Errorf("empty directory: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "concbench-fsync-123"), nil, 0o644)
	if err := TempLeft(dir); err == nil || !strings.Contains(err.Error(), "concbench-fsync-123") {
		t.Errorf("a file left: %v, want an error naming it", err)
	}

	before := Take()
	if err := Check(before); err != nil {
		t.Fatalf("nothing done: %v", err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(before); err == nil || !strings.Contains(err.Error(), "file descriptors") {
		t.Errorf("an open file: %v, want a descriptor leak", err)
	}
	f.Close()

	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep(1): %v", err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if err := Check(before); err == nil || !strings.Contains(err.Error(), "child processes left") {
		t.Errorf("a running child: %v, want a child leak", err)
	}
}

// The children of these tests are this binary again, run under Main in
// a role named by envChild, as os/exec's TestMain runs its helper
// commands; TestMain fails a run of every test in which a role was never
// used.
const envChild = "LEAKCHECK_CHILD"

var children = map[string]func(){ // role: Main's setup
	"main": nil, // Main with nothing to test
	"hang": func() { // print the private TMPDIR and wait to be killed
		fmt.Println(os.Getenv("TMPDIR"))
		time.Sleep(time.Minute)
	},
	"hosts": func() { // make one network host, print its names, wait to be killed
		h, err := netns.Create(1)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(h.Bridge, h.Hosts[0].Veth, h.Hosts[0].NS)
		time.Sleep(time.Minute)
	},
}

var childUsed = map[string]bool{}

func TestMain(m *testing.M) {
	if role, ok := os.LookupEnv(envChild); ok {
		setup, known := children[role]
		if !known {
			fmt.Fprintf(os.Stderr, "leakcheck test: unknown child role %q\n", role)
			os.Exit(2)
		}
		Main(m, setup)
	}
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		for role := range children {
			if !childUsed[role] {
				fmt.Fprintf(os.Stderr, "leakcheck test: child role %q is never used; remove it\n", role)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// child is this binary as the child role, with TMPDIR base and no tests
// to run.
func child(role, base string) *exec.Cmd {
	childUsed[role] = true
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), "TMPDIR="+base, envChild+"="+role)
	return cmd
}

// Ctrl-C or SIGTERM: the binary removes its private TMPDIR and dies of
// the signal, as it did before.
func TestSignalRemovesTemp(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		base := t.TempDir()
		cmd := child("hang", base)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		cmd.Process.Signal(sig)
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != sig {
			t.Errorf("%v: child ended with %v, want death by the signal", sig, err)
		}
		if dir := strings.TrimSpace(line); dir == "" {
			t.Errorf("%v: child printed no TMPDIR", sig)
		} else if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: the child's TMPDIR %s is left", sig, dir)
		}
	}
}

// A test binary killed with SIGKILL leaves its private TMPDIR behind; the
// next test binary removes it, and leaves a live binary's alone.
func TestStaleTempRemoved(t *testing.T) {
	base := t.TempDir()
	live := filepath.Join(base, tempPrefix+strconv.Itoa(os.Getpid())+"-1")
	if err := os.Mkdir(live, 0o755); err != nil {
		t.Fatal(err)
	}
	hang := child("hang", base)
	out, err := hang.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := hang.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	hang.Process.Kill()
	hang.Wait()
	stale := strings.TrimSpace(line)
	if err != nil || filepath.Dir(stale) != base {
		t.Fatalf("child printed TMPDIR %q (%v), want a folder in %s", line, err, base)
	}
	if _, err := os.Stat(stale); err != nil {
		t.Fatalf("the killed child's TMPDIR %s is not there to clean up: %v", stale, err)
	}
	if out, err := child("main", base).CombinedOutput(); err != nil {
		t.Fatalf("next run: %v\n%s", err, out)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("the next run left the killed one's TMPDIR %s", stale)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the next run removed a live binary's TMPDIR: %v", err)
	}
}

// A test binary killed with SIGKILL in a Distributed row leaves its
// namespaces, bridge and veths behind; the next test binary, whatever it
// tests, removes them at its start.
func TestStaleHostsRemoved(t *testing.T) {
	if err := deps.Check(deps.Namespaces...); err != nil {
		childUsed["hosts"] = true // not root: the role cannot run here
		t.Skip(err)
	}
	hold := child("hosts", t.TempDir())
	out, err := hold.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	hold.Process.Kill()
	hold.Wait()
	names := strings.Fields(line)
	if err != nil || len(names) != 3 {
		t.Fatalf("child printed %q (%v), want three names", line, err)
	}
	exists := func(n string) bool {
		_, err1 := os.Stat("/sys/class/net/" + n)
		_, err2 := os.Stat("/var/run/netns/" + n)
		return err1 == nil || err2 == nil
	}
	for _, n := range names {
		if !exists(n) {
			t.Fatalf("the killed child's %s is not there to clean up", n)
		}
	}
	if out, err := child("main", t.TempDir()).CombinedOutput(); err != nil {
		t.Fatalf("next run: %v\n%s", err, out)
	}
	for _, n := range names {
		if exists(n) {
			t.Errorf("the next test binary left the killed one's %s", n)
		}
	}
}
