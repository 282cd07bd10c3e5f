package record

import (
	"fmt"
	"regexp"
	"strings"
)

// Select picks the families (top-level benchmarks, as the bench binary's
// -test.list prints them) that a -bench pattern asks for, and returns the
// rest of the pattern, the sub-benchmark filter, which each family's pass
// keeps.
//
// The first element of the pattern names families by their whole name,
// with or without the Benchmark prefix: "Spawn" is BenchmarkSpawn and not
// BenchmarkSpawnParent (which touches 1 GiB), "BusyLoop|Sampler" is those
// two. When it names no family whole, it is read as go test reads it, a
// regexp that may match anywhere in the name: "." is every family, "Spaw"
// is both Spawn families.
func Select(pattern string, families []string) (picked []string, rest string, err error) {
	first, rest := splitFirst(pattern)
	whole, err := regexp.Compile(`^(?:Benchmark)?(?:` + first + `)$`)
	if err != nil {
		return nil, "", fmt.Errorf("flag -bench: %q: %v", pattern, err)
	}
	part := regexp.MustCompile(first) // it compiled above inside a group
	for _, f := range families {
		if whole.MatchString(f) {
			picked = append(picked, f)
		}
	}
	if len(picked) == 0 {
		for _, f := range families {
			if part.MatchString(f) {
				picked = append(picked, f)
			}
		}
	}
	return picked, rest, nil
}

// Pattern is the -test.bench of one family's pass: the family anchored at
// the top level, then the sub-benchmark filter unchanged.
func Pattern(family, rest string) string {
	p := "^" + regexp.QuoteMeta(family) + "$"
	if rest != "" {
		p += "/" + rest
	}
	return p
}

// splitFirst splits a -bench pattern at its first '/' outside brackets and
// parentheses, as the testing package splits it into levels.
func splitFirst(p string) (first, rest string) {
	depth, inClass := 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '/' && depth == 0:
			return p[:i], p[i+1:]
		}
	}
	return p, ""
}

// families returns the top-level benchmark names of a -test.list output.
func families(list string) []string {
	var out []string
	for _, l := range strings.Split(list, "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}
