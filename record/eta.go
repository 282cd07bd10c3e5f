package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/concbench/concbench/internal/host"
)

// The progress line's estimate of the time left. A pass is known by its
// family and its arguments; what it is expected to take is, in order:
//   - how long the same pass took the last time it ran on this machine
//     (a small JSON file in the user's cache directory, rewritten after
//     every pass that passed);
//   - for make report's short profile on a machine that never ran it,
//     what the pass took on the suite's reference 2 vCPU VM (profilePass's
//     expect);
//   - nothing: a pass never timed anywhere makes the line say so instead
//     of guessing.
//
// The expected times are scaled by how this run compares so far (actual /
// expected over the passes done), so a machine twice as slow is told
// twice the time after its first pass.

// timesFile is the default timings file: <user cache
// dir>/concbench/pass-times.json.
func timesFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "concbench", "pass-times.json")
}

// eta holds the expected seconds of each pass of one recording.
type eta struct {
	file     string
	known    map[string]float64 // key → seconds, from the file
	expected []float64          // per pass; < 0: never timed
	spent    float64            // actual seconds of the passes done that had an estimate
	planned  float64            // their expected seconds
}

func (p pass) key() string {
	return host.ID() + " " + p.family + " " + strings.Join(p.args, " ")
}

// newETA reads the timings file (a missing or unreadable one is no
// estimate, never an error: it is a cache) and sets each pass's
// expectation.
func newETA(passes []pass, file string) *eta {
	e := &eta{file: file, known: map[string]float64{}}
	if b, err := os.ReadFile(e.file); err == nil {
		json.Unmarshal(b, &e.known)
	}
	for _, p := range passes {
		s, ok := e.known[p.key()]
		if !ok && p.expect > 0 {
			s, ok = p.expect, true
		}
		if !ok {
			s = -1
		}
		e.expected = append(e.expected, s)
	}
	return e
}

// done records that pass i took d and saves it for the next run.
func (e *eta) done(i int, p pass, d time.Duration) {
	if e.expected[i] > 0 {
		e.spent += d.Seconds()
		e.planned += e.expected[i]
	}
	e.known[p.key()] = d.Seconds()
	if e.file == "" {
		return
	}
	b, err := json.Marshal(e.known)
	if err != nil || os.MkdirAll(filepath.Dir(e.file), 0o755) != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d", e.file, os.Getpid())
	if os.WriteFile(tmp, b, 0o644) != nil || os.Rename(tmp, e.file) != nil {
		os.Remove(tmp)
	}
}

// left says what the passes after i are expected to take: "about 1m20s
// left", "about 1m20s left + 2 passes not timed before", "2 passes not
// timed before", or "" after the last.
func (e *eta) left(i int) string {
	scale := 1.0
	if e.planned > 0 {
		scale = e.spent / e.planned
	}
	var s float64
	unknown, known := 0, 0
	for _, x := range e.expected[i+1:] {
		if x < 0 {
			unknown++
			continue
		}
		s += x * scale
		known++
	}
	var parts []string
	if known > 0 {
		parts = append(parts, fmt.Sprintf("about %s left", time.Duration(s*float64(time.Second)).Round(time.Second)))
	}
	if unknown == 1 {
		parts = append(parts, "1 pass not timed before")
	} else if unknown > 1 {
		parts = append(parts, fmt.Sprintf("%d passes not timed before", unknown))
	}
	return strings.Join(parts, " + ")
}
