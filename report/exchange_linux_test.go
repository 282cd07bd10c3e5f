package report

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExchange: on Linux the swap is one renameat2(RENAME_EXCHANGE), so
// the report directory is never missing, even for a moment.
func TestExchange(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	writeFiles(t, root, map[string]string{"a/x": "from a", "b/x": "from b"})
	err := exchange(a, b)
	if err == errNoExchange {
		t.Skipf("the file system of %s has no RENAME_EXCHANGE; Write falls back to two renames", root)
	}
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(b, "x")); string(got) != "from a" {
		t.Errorf("b/x is %q after the exchange, want \"from a\"", got)
	}
	if got, _ := os.ReadFile(filepath.Join(a, "x")); string(got) != "from b" {
		t.Errorf("a/x is %q after the exchange, want \"from b\"", got)
	}
}
