package record_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concbench/concbench/internal/host"
	"github.com/concbench/concbench/record"
)

// Newest takes this machine's newest file (-10 after -9 after none), and
// refuses one whose config lines name another machine: make report must
// never render another machine's results as this one's.
func TestNewest(t *testing.T) {
	m := host.Machine{MachineID: "m", CPU: "Intel(R) Xeon(R) Processor", NCPU: 2, MemBytes: 8 << 30}
	root := t.TempDir()
	if p, err := record.Newest(root, m); p != "" || err != nil {
		t.Errorf("no results: Newest = %q, %v; want nothing", p, err)
	}
	dir := filepath.Join(root, m.ID())
	os.MkdirAll(dir, 0o755)
	ours := "goos: linux\ncpu: Intel(R)  Xeon(R) Processor\nncpu: 2\nhost-id: " + m.ID() + "\nBenchmarkX 1 1 ns/op\n"
	for _, name := range []string{"S.txt", "S-1.txt", "S-9.txt", "S-10.txt", "R-11.txt", "notes-x.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(ours), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := record.Newest(root, m); p != filepath.Join(dir, "S-10.txt") || err != nil {
		t.Errorf("Newest = %q, %v; want S-10.txt", p, err)
	}
	// go test's cpu line is the CPUID brand string, /proc/cpuinfo's name
	// may differ on the same machine: the host id decides, not the cpu line.
	brand := "goos: linux\ncpu: Oxide Virtual Turin-like Processor\nncpu: 2\nhost-id: " + m.ID() + "\nBenchmarkX 1 1 ns/op\n"
	if err := os.WriteFile(filepath.Join(dir, "T.txt"), []byte(brand), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := record.Newest(root, m); p != filepath.Join(dir, "T.txt") || err != nil {
		t.Errorf("a cpu line other than /proc/cpuinfo's: Newest = %q, %v; want T.txt", p, err)
	}
	for _, c := range []struct{ line, want string }{
		{"ncpu: 4\nhost-id: " + m.ID(), `T.txt:2: ncpu "4", but this machine's is "2"`},
		{"host-id: c32ac51fa19a", `T.txt:2: host-id "c32ac51fa19a"`},
		{"cpu: Intel(R) Xeon(R) Processor", `T.txt: no host-id line`},
	} {
		body := "goos: linux\n" + c.line + "\nBenchmarkX 1 1 ns/op\n"
		if err := os.WriteFile(filepath.Join(dir, "T.txt"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := record.Newest(root, m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Newest = %q, %v; want an error with %q", c.line, p, err, c.want)
		}
	}
}
