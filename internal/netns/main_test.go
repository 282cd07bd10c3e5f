package netns_test

import (
	"testing"

	"github.com/concbench/concbench/internal/leakcheck"
)

// TestMain is in a package of its own: leakcheck imports netns (it removes
// stale hosts at every test binary's start), so netns's own tests cannot
// import leakcheck.
func TestMain(m *testing.M) { leakcheck.Main(m, nil) }
