package busy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPythonScriptNotOnDisk: the interpreter gets the script as -c text,
// and nothing is written to TMPDIR while it runs, so a concbench killed
// with SIGKILL leaves no concbench-busyloop-NNN/busyloop.py behind.
func TestPythonScriptNotOnDisk(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", filepath.Join(dir, "tmp"))
	if err := os.Mkdir(os.Getenv("TMPDIR"), 0o755); err != nil {
		t.Fatal(err)
	}
	seen := filepath.Join(dir, "seen")
	fake := filepath.Join(dir, "python3")
	body := `#!/bin/sh
{ echo "$1"; ls -A "$TMPDIR"; } > ` + seen + `
printf '%s' "$2" > ` + seen + `.script
echo "ready mode=thread workers=1 chunk=65537 gil=enabled"
read l
echo "worker 0 iters=65537 x=65537 seconds=0.5"
echo "total iters=65537 seconds=0.5 rate=1"
`
	if err := os.WriteFile(fake, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), Config{Model: PythonThread, Workers: 1, Duration: short, Python: fake}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(seen)
	if lines := strings.Split(strings.TrimSpace(string(got)), "\n"); len(lines) != 1 || lines[0] != "-c" {
		t.Errorf("interpreter saw first argument and TMPDIR %q, want -c and an empty TMPDIR", lines)
	}
	if script, _ := os.ReadFile(seen + ".script"); string(script) != string(busyLoopSrc) {
		t.Errorf("the -c text is not busyloop.py (%d bytes, want %d)", len(script), len(busyLoopSrc))
	}
}
