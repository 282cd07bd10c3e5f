package record

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/concbench/concbench/internal/host"
)

// Newest returns the newest recording of machine m under root
// (root/<m's id>/<stamp>[-n].txt, newest by stamp, then by n), or "" when
// there is none. It refuses a file whose ncpu or host-id config lines
// disagree with m, or that has no host-id line: make report must never present another machine's
// results as this machine's (a folder copied or renamed, an id from an
// older scheme), and the error says which line.
func Newest(root string, m host.Machine) (string, error) {
	paths, err := filepath.Glob(filepath.Join(root, m.ID(), "*.txt"))
	if err != nil || len(paths) == 0 {
		return "", err
	}
	best, bestKey := "", stampKey{}
	for _, p := range paths {
		if k, ok := parseStamp(filepath.Base(p)); ok && (best == "" || k.after(bestKey)) {
			best, bestKey = p, k
		}
	}
	if best == "" {
		return "", nil
	}
	return best, CheckMachine(best, m)
}

// CheckMachine reads path's config lines and returns an error naming the
// first ncpu or host-id line that is not m's, or saying that the file has
// no host-id line. The host id covers the CPU model (internal/host hashes
// /proc/cpuinfo's name into it); the file's cpu line is not compared,
// because go test prints the CPUID brand string there, which need not be
// /proc/cpuinfo's name on the same machine (an AMD EPYC VM says "Oxide
// Virtual Turin-like Processor" in one and "AMD EPYC" in the other).
func CheckMachine(path string, m host.Machine) error {
	want := map[string]string{"ncpu": strconv.Itoa(m.NCPU), "host-id": m.ID()}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	hasID := false
	for n := 1; sc.Scan(); n++ {
		k, v, ok := strings.Cut(sc.Text(), ":")
		w, known := want[k]
		if !ok || !known || strings.ContainsAny(k, " \t") {
			continue
		}
		hasID = hasID || k == "host-id"
		if v = host.Normalize(v); v != w && w != "" {
			return fmt.Errorf("%s:%d: %s %q, but this machine's is %q: these are another machine's results; "+
				"record this machine's (make bench), or name the file to render it as what it is", path, n, k, v, w)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !hasID {
		return fmt.Errorf("%s: no host-id line, so whose results these are cannot be told; "+
			"name the file to render it as what it is", path)
	}
	return nil
}

// stampKey orders <stamp>.txt before <stamp>-1.txt before <stamp>-10.txt.
type stampKey struct {
	stamp string
	n     int
}

func (a stampKey) after(b stampKey) bool {
	return a.stamp > b.stamp || a.stamp == b.stamp && a.n > b.n
}

func parseStamp(name string) (stampKey, bool) {
	base := strings.TrimSuffix(name, ".txt")
	stamp, suffix, has := strings.Cut(base, "-")
	if !has {
		return stampKey{stamp, 0}, stamp != ""
	}
	n, err := strconv.Atoi(suffix)
	if err != nil || n < 1 {
		return stampKey{}, false
	}
	return stampKey{stamp, n}, true
}
