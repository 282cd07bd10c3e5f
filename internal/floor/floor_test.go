package floor

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The kernel floor exits with its argc, is static, and leaves nothing on
// disk: its Path is the only way to it.
func TestKernelExitsWithArgc(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "concbench-floor-*"))
	k, err := Kernel()
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if !k.Static || !strings.HasPrefix(k.Path, "/proc/self/fd/") {
		t.Errorf("kernel floor: static %v, path %s", k.Static, k.Path)
	}
	if after, _ := filepath.Glob(filepath.Join(os.TempDir(), "concbench-floor-*")); len(after) != len(before) {
		t.Errorf("build directories left: %v", after)
	}
	for _, argc := range []int{1, 3, 8} {
		pid, err := syscall.ForkExec(k.Path, make([]string, argc), &syscall.ProcAttr{})
		if err != nil {
			t.Fatal(err)
		}
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			t.Fatal(err)
		}
		if ws.ExitStatus() != argc {
			t.Errorf("argc %d: exit status %d", argc, ws.ExitStatus())
		}
	}
}

// The Go floor is a static binary that answers one noop task after the
// ready line; SameFile tells it from another binary; a file that is not
// executable is refused.
func TestGoFloorAndOpen(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	g, err := Go("github.com/concbench/concbench/internal/floor/goworker")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	cmd := exec.Command(g.Path)
	cmd.Env = []string{"CONCBENCH_KERNEL=noop"}
	cmd.Stdin = strings.NewReader("\x01\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	// ready line, then n=1 seq=5 and fold = workloads.Mix(5)
	want := "ready\n\x00\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x5a\xc3\x89\xa3\x0c\x3b\x03\x63\x00\x00\x00\x00\x00\x00\x00\x00"
	if string(out) != want {
		t.Errorf("Go floor answered %q, want %q", out, want)
	}
	if !g.Static {
		t.Error("Go floor is not static")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !g.SameFile(g.Path) || g.SameFile(self) {
		t.Error("SameFile does not tell the floor from this binary")
	}
	plain := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(plain, []byte("x"), 0o644)
	if _, err := Open(plain, "plain"); err == nil || !strings.Contains(err.Error(), "not executable") {
		t.Errorf("Open of a plain file: %v", err)
	}
}
