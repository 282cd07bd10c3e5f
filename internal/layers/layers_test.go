package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/concbench/concbench"

// rule is one row of the layout table.
type rule struct {
	pkg    string   // the row's package, "x" or "x/*"
	forbid []string // patterns it must not link
	allow  []string // patterns excepted from forbid
}

// Patterns, relative to the module: "x" is x and its sub-packages, "x/*"
// only those below x, anything is every package of the module, and
// siblings is (for a family/* row) every other family.
const (
	anything = "..."
	siblings = "<each other>"
)

// pkg is one package of the module: its path relative to the module,
// its own imports and everything it links (both of the module only).
type pkg struct {
	path    string
	imports []string
	deps    []string
}

// TestDesignRules checks the code against docs/design.md's table.
func TestDesignRules(t *testing.T) {
	doc, err := os.ReadFile("../../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := parseRules(string(doc))
	if err != nil {
		t.Fatalf("docs/design.md: %v", err)
	}
	pkgs, err := listPackages("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range check(rules, pkgs) {
		t.Error("docs/design.md: " + p)
	}
}

// listPackages runs go list -json ./... in dir.
func listPackages(dir string) ([]pkg, error) {
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.Bytes())
	}
	var pkgs []pkg
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p struct {
			ImportPath    string
			Imports, Deps []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list: %w", err)
		}
		pkgs = append(pkgs, pkg{path: rel(p.ImportPath), imports: ours(p.Imports), deps: ours(p.Deps)})
	}
}

func rel(path string) string { return strings.TrimPrefix(path, module+"/") }

func ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if strings.HasPrefix(p, module+"/") {
			out = append(out, rel(p))
		}
	}
	return out
}

var axesLine = regexp.MustCompile(`\*The axes\* are ([^;]*);`)

// parseRules reads the layout table (the rows after the header
// "| package | axis / job | must not import |") and the sentence that
// names the axes.
func parseRules(doc string) ([]rule, error) {
	m := axesLine.FindStringSubmatch(strings.Join(strings.Fields(doc), " "))
	if m == nil {
		return nil, errors.New(`no sentence "*The axes* are …;"`)
	}
	axes := backticked(m[1])
	_, table, ok := strings.Cut(doc, "| package | axis / job | must not import |\n")
	if !ok {
		return nil, errors.New("no layout table (| package | axis / job | must not import |)")
	}
	var rules []rule
	for _, line := range strings.Split(table, "\n")[1:] { // [0] is | --- |
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 3 {
			return nil, fmt.Errorf("table row %q: want 3 cells", line)
		}
		r, err := parseCell(strings.Trim(cells[0], "`"), cells[2], axes)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// parseCell reads a "must not import" cell: "—", or a list of packages and
// phrases, optionally followed by "except" and another list.
func parseCell(pkg, cell string, axes []string) (rule, error) {
	r := rule{pkg: pkg}
	if cell == "—" {
		return r, nil
	}
	forbid, allow, _ := strings.Cut(cell, " except ")
	var err error
	if r.forbid, err = parseList(forbid, axes); err != nil {
		return r, fmt.Errorf("row %s: %w", pkg, err)
	}
	if r.allow, err = parseList(allow, axes); err != nil {
		return r, fmt.Errorf("row %s: %w", pkg, err)
	}
	return r, nil
}

var phrases = map[string]string{
	"anything of the project": anything,
	"any family":              "family/*",
	"each other":              siblings,
}

func parseList(s string, axes []string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(strings.ReplaceAll(s, " and ", ", "), ", ") {
		switch item = strings.TrimSpace(item); {
		case item == "":
		case item == "the axes":
			out = append(out, axes...)
		case phrases[item] != "":
			out = append(out, phrases[item])
		case strings.HasPrefix(item, "`") && strings.HasSuffix(item, "`"):
			out = append(out, strings.Trim(item, "`"))
		default:
			return nil, fmt.Errorf("%q: want a `package`, the axes, any family, each other or anything of the project", item)
		}
	}
	return out, nil
}

func backticked(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// matches says whether pattern covers package p.
func matches(pattern, p string) bool {
	if pattern == anything {
		return true
	}
	if dir, ok := strings.CutSuffix(pattern, "/*"); ok {
		return strings.HasPrefix(p, dir+"/")
	}
	return p == pattern || strings.HasPrefix(p, pattern+"/")
}

// governing is the row for p: the most specific one that covers it.
func governing(rules []rule, p string) (rule, bool) {
	var best rule
	found := false
	for _, r := range rules {
		if matches(r.pkg, p) && (!found || len(r.pkg) > len(best.pkg)) {
			best, found = r, true
		}
	}
	return best, found
}

// family is the family a package belongs to ("family/web" for
// family/web/x), or "".
func family(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) < 2 || parts[0] != "family" {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

// forbidden says whether r forbids package p to link dep.
func forbidden(r rule, p, dep string) bool {
	if dep == p || strings.HasPrefix(dep, p+"/") {
		return false // its own sub-packages
	}
	hit := func(pattern string) bool {
		if pattern == siblings {
			return family(dep) != "" && family(dep) != family(p)
		}
		return matches(pattern, dep)
	}
	return slices.ContainsFunc(r.forbid, hit) && !slices.ContainsFunc(r.allow, hit)
}

// check lists every way pkgs break rules: a package with no row, a row
// that covers no package, and a forbidden package linked (with the import
// it comes through).
func check(rules []rule, pkgs []pkg) []string {
	var problems []string
	for _, r := range rules {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return matches(r.pkg, p.path) }) {
			problems = append(problems, fmt.Sprintf("row `%s` names no package", r.pkg))
		}
	}
	deps := map[string][]string{}
	for _, p := range pkgs {
		deps[p.path] = p.deps
	}
	for _, p := range pkgs {
		r, ok := governing(rules, p.path)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no row in the layout table", p.path))
			continue
		}
		for _, d := range p.deps {
			if forbidden(r, p.path, d) {
				problems = append(problems, fmt.Sprintf("%s links %s%s, which row `%s` forbids", p.path, d, via(p, d, deps), r.pkg))
			}
		}
	}
	return problems
}

// via names the import of p through which it links d, when that is not d.
func via(p pkg, d string, deps map[string][]string) string {
	for _, imp := range p.imports {
		if imp != d && slices.Contains(deps[imp], d) {
			return " (through " + imp + ")"
		}
	}
	return ""
}

// The checker finds each kind of broken rule in a made-up graph.
func TestCheckFindsBrokenRules(t *testing.T) {
	doc := "*The axes* are `model` and `proc`;\n\n" +
		"| package | axis / job | must not import |\n| --- | --- | --- |\n" +
		"| `proc` | x | anything of the project |\n" +
		"| `model` | x | any family, `report` |\n" +
		"| `family/*` | x | each other, `report` |\n" +
		"| `sampler` | x | anything of the project except `internal/*` |\n" +
		"| `report` | x | `bench`, the axes |\n" +
		"| `regress` | x | `report` except `report/results` |\n" +
		"| `internal/host` | x | anything of the project |\n" +
		"| `cmd/w` | x | anything of the project except `model`, `proc` |\n" +
		"| `bench` | x | — |\n"
	rules, err := parseRules(doc)
	if err != nil {
		t.Fatal(err)
	}
	good := []pkg{
		{path: "proc"},
		{path: "model", imports: []string{"proc"}, deps: []string{"proc"}},
		{path: "family/dist", imports: []string{"family/dist/netns", "model"}, deps: []string{"family/dist/netns", "model", "proc"}},
		{path: "family/dist/netns"},
		{path: "sampler", imports: []string{"internal/host"}, deps: []string{"internal/host"}},
		{path: "internal/host"},
		{path: "report", imports: []string{"report/results"}, deps: []string{"report/results"}},
		{path: "report/results"},
		{path: "regress", imports: []string{"report/results"}, deps: []string{"report/results"}},
		{path: "cmd/w", imports: []string{"model"}, deps: []string{"model", "proc"}},
		{path: "bench", imports: []string{"report", "family/dist"}, deps: []string{"report", "family/dist", "model", "proc"}},
	}
	if p := check(rules, good); len(p) > 0 {
		t.Fatalf("a graph that keeps the rules: %q", p)
	}
	for _, c := range []struct {
		name string
		pkg  pkg
		want string
	}{
		{"anything", pkg{path: "proc", imports: []string{"internal/host"}, deps: []string{"internal/host"}}, "proc links internal/host, which row `proc` forbids"},
		{"listed", pkg{path: "model", imports: []string{"report"}, deps: []string{"report"}}, "model links report, which row `model` forbids"},
		{"any family", pkg{path: "model", imports: []string{"family/dist/netns"}, deps: []string{"family/dist/netns"}}, "model links family/dist/netns"},
		{"each other", pkg{path: "family/web", imports: []string{"family/dist"}, deps: []string{"family/dist", "family/dist/netns"}}, "family/web links family/dist, which row `family/*` forbids"},
		{"transitive", pkg{path: "cmd/w", imports: []string{"family/dist"}, deps: []string{"family/dist", "family/dist/netns"}}, "cmd/w links family/dist/netns (through family/dist)"},
		{"the axes", pkg{path: "report", imports: []string{"proc"}, deps: []string{"proc"}}, "report links proc, which row `report` forbids"},
		{"except", pkg{path: "regress", imports: []string{"report"}, deps: []string{"report", "report/results"}}, "regress links report, which row `regress` forbids"},
		{"no row", pkg{path: "pool"}, "pool has no row in the layout table"},
	} {
		pkgs := slices.Clone(good)
		if i := slices.IndexFunc(pkgs, func(p pkg) bool { return p.path == c.pkg.path }); i >= 0 {
			pkgs[i] = c.pkg
		} else {
			pkgs = append(pkgs, c.pkg)
		}
		p := check(rules, pkgs)
		if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, c.want) }) {
			t.Errorf("%s: problems %q, want one with %q", c.name, p, c.want)
		}
	}
	if p := check(rules, slices.DeleteFunc(slices.Clone(good), func(p pkg) bool { return p.path == "sampler" })); len(p) != 1 || p[0] != "row `sampler` names no package" {
		t.Errorf("a row without a package: %q", p)
	}
}

// A cell the checker cannot read is an error, not a rule that holds
// nothing.
func TestParseRefusesProse(t *testing.T) {
	doc := "*The axes* are `model`;\n| package | axis / job | must not import |\n| --- | --- | --- |\n| `x` | y | most of the project |\n"
	if _, err := parseRules(doc); err == nil || !strings.Contains(err.Error(), "most of the project") {
		t.Errorf("parse: %v, want an error naming the phrase", err)
	}
}
