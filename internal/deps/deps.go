// Package deps is the one list of what some benchmark rows need beyond Go:
// root, python3 and the Debian packages `make deps` installs. Each entry
// says which rows need it, how to tell it is there, and the one line a
// user reads when it is not, so that a run says before it starts what it
// will skip and why (bench's TestMain prints Missing's lines), the
// Makefile's DEPS list is checked against Packages, and a skipped row
// says the same thing as the preamble did.
//
// It imports nothing of the project.
package deps

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Dep is one thing some rows need.
type Dep struct {
	Name    string // what it is, as a user says it: "root", "python3", "gunicorn"
	Package string // the Debian package that installs it ("" for root)
	Rows    string // which rows skip without it
	Path    string // an absolute path to stat, or a name to look up on PATH ("" for root)
}

// All is every dependency, in the order the preamble says them.
var All = []Dep{
	{Name: "root", Rows: "Distributed, DistributedFault (network namespaces)"},
	{Name: "ip", Package: "iproute2", Rows: "Distributed, DistributedFault (network namespaces)", Path: "ip"},
	{Name: "python3", Package: "python3", Rows: "every model=python-* and peer=python-* row", Path: "python3"},
	{Name: "gunicorn", Package: "gunicorn", Rows: "Web, WebCounter server=gunicorn-*", Path: "/usr/bin/gunicorn"},
	{Name: "flask", Package: "python3-flask", Rows: "Web, WebCounter server=gunicorn-*", Path: "/usr/lib/python3/dist-packages/flask"},
	{Name: "redis-server", Package: "redis-server", Rows: "WebCounter store=redis", Path: "/usr/bin/redis-server"},
	{Name: "wrk", Package: "wrk", Rows: "WebReference", Path: "/usr/bin/wrk"},
	{Name: "nats-server", Package: "nats-server", Rows: "Distributed, DistributedFault queue=nats, queue=nats-jetstream", Path: "/usr/sbin/nats-server"},
	{Name: "perf", Package: "linux-perf", Rows: "the kernel reference (perf bench sched pipe) of make bench and make ipc-reference", Path: "perf"},
}

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

// Check says in one line why d is missing here, or returns nil.
func (d Dep) Check() error {
	switch {
	case d.Name == "root":
		if uid := os.Geteuid(); uid != 0 {
			return fmt.Errorf("not root (uid %d): %s skip; run as root", uid, d.Rows)
		}
		return nil
	case strings.HasPrefix(d.Path, "/"):
		if _, err := os.Stat(d.Path); err != nil {
			return d.missing(d.Path + " not found")
		}
	default:
		if _, err := exec.LookPath(d.Path); err != nil {
			return d.missing(d.Path + " not on PATH")
		}
	}
	return nil
}

func (d Dep) missing(why string) error {
	return fmt.Errorf("no %s (%s): %s skip; install Debian's %s (make deps, as root)", d.Name, why, d.Rows, d.Package)
}

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
