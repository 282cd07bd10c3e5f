// Package deps is the one list of what some benchmark rows need beyond Go:
// root, python3 and the Debian packages `make deps` installs. Each entry
// says which rows need it, where it is (the path the families start), and
// the one line a user reads when it is not, so that a run says before it
// starts what it will skip and why (bench's TestMain prints Missing's
// lines), the Makefile's DEPS list is checked against Packages, and a
// skipped row says the same thing as the preamble did.
//
// Every such line is an error wrapping ErrMissing: a family returns
// Dep.Check's error (or Dep.Missing's, when a deeper check fails), and a
// test or benchmark that gets errors.Is(err, ErrMissing) skips with it.
//
// It imports nothing of the project.
package deps

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// ErrMissing is wrapped by every error that says a dependency is missing
// (Check's, Missing's): a row that gets one skips with its line.
var ErrMissing = errors.New("missing")

// Dep is one thing some rows need.
type Dep struct {
	Name    string   // what it is, as a user says it: "root", "python3", "gunicorn"
	Package string   // the Debian package that installs it ("" for root)
	Rows    string   // which rows skip without it
	Path    string   // an absolute path to stat, or a name to look up on PATH ("" for root)
	Alts    []string // other names on PATH that do as well as Path
	Fix     string   // how to get it, where that is not Package
}

// The dependencies, for the code that runs them: a family starts Path
// and says Missing's line when it cannot.
var (
	Root     = Dep{Name: "root", Rows: "Distributed, DistributedFault (network namespaces)", Fix: "run as root"}
	IP       = Dep{Name: "ip", Package: "iproute2", Rows: "Distributed, DistributedFault (network namespaces)", Path: "ip"}
	Python3  = Dep{Name: "python3", Package: "python3", Rows: "every model=python-* and peer=python-* row", Path: "python3"}
	Gunicorn = Dep{Name: "gunicorn", Package: "gunicorn", Rows: "Web, WebCounter server=gunicorn-*", Path: "/usr/bin/gunicorn"}
	Flask    = Dep{Name: "flask", Package: "python3-flask", Rows: "Web, WebCounter server=gunicorn-*", Path: "/usr/lib/python3/dist-packages/flask"}
	Redis    = Dep{Name: "redis-server", Package: "redis-server", Rows: "WebCounter store=redis", Path: "/usr/bin/redis-server"}
	Wrk      = Dep{Name: "wrk", Package: "wrk", Rows: "WebReference", Path: "/usr/bin/wrk"}
	NATS     = Dep{Name: "nats-server", Package: "nats-server", Rows: "Distributed, DistributedFault queue=nats, queue=nats-jetstream", Path: "/usr/sbin/nats-server"}
	Perf     = Dep{Name: "perf", Package: "linux-perf", Rows: "the kernel reference (perf bench sched pipe) of make bench and make ipc-reference", Path: "perf"}
	// FreeThreaded is a free-threaded CPython build, under the names
	// those builds install as.
	FreeThreaded = Dep{Name: "free-threaded python", Rows: "model=python-freethreaded-thread", Path: "python3.13t",
		Alts: []string{"python3.14t", "python3.15t", "python3.16t"}, Fix: "put a free-threaded CPython (python3.13t or later) on PATH"}
)

// Namespaces are what the Distributed family's hosts (package netns) need.
var Namespaces = []Dep{Root, IP}

// SystemPython is the Python that Debian's gunicorn and python3-flask
// live in, which the python3 first on PATH may not be.
const SystemPython = "/usr/bin/python3"

// All is every dependency, in the order the preamble says them.
var All = []Dep{Root, IP, Python3, FreeThreaded, Gunicorn, Flask, Redis, Wrk, NATS, Perf}

// Packages are the Debian packages of All that `make deps` installs
// (iproute2 and python3 are on every machine the suite supports).
func Packages() []string {
	var out []string
	for _, d := range All {
		if d.Package != "" && d.Package != "iproute2" && d.Package != "python3" {
			out = append(out, d.Package)
		}
	}
	return out
}

// Check says in one line why d is missing here, wrapping ErrMissing, or
// returns nil.
func (d Dep) Check() error {
	switch {
	case d.Name == Root.Name:
		if uid := os.Geteuid(); uid != 0 {
			return missing(fmt.Sprintf("not root (uid %d): %s skip; %s", uid, d.Rows, d.Fix))
		}
	case strings.HasPrefix(d.Path, "/"):
		if _, err := os.Stat(d.Path); err != nil {
			return d.Missing(d.Path + " not found")
		}
	default:
		if _, err := d.Look(); err != nil {
			return err
		}
	}
	return nil
}

// Look finds d's Path, or the first of its Alts, on PATH; the error is
// Missing's.
func (d Dep) Look() (string, error) {
	names := append([]string{d.Path}, d.Alts...)
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", d.Missing(strings.Join(names, ", ") + " not on PATH")
}

// Check returns the first of ds missing here (Dep.Check's error), or nil.
func Check(ds ...Dep) error {
	for _, d := range ds {
		if err := d.Check(); err != nil {
			return err
		}
	}
	return nil
}

// Missing is the one line that says d is missing (why: what was found
// wanting), the rows that skip and the fix; it wraps ErrMissing.
func (d Dep) Missing(why string) error {
	fix := d.Fix
	if fix == "" {
		fix = "install Debian's " + d.Package + " (make deps, as root)"
	}
	return missing(fmt.Sprintf("no %s (%s): %s skip; %s", d.Name, why, d.Rows, fix))
}

// missing is a Missing or Check line.
type missing string

func (m missing) Error() string { return string(m) }
func (missing) Unwrap() error   { return ErrMissing }

// EnvSaid, set in a bench binary's environment, says that its caller (the
// recorder) has printed Missing's lines already, once for the whole run.
const EnvSaid = "CONCBENCH_DEPS_SAID"

// Missing returns one line for each dependency missing here.
func Missing() []string {
	var out []string
	for _, d := range All {
		if err := d.Check(); err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}
