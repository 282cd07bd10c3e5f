// Package py runs the seed notes' Python beside Go: one interpreter per
// benchmark row runs family/py/driver.py (embedded, given as
// `python3 -c TEXT`, so never on disk) and this package speaks its line
// protocol.
//
// A caller Starts a Driver for a python model kind (the interpreter's
// start-up happens here, outside any timed loop, as a Go worker's does),
// Opens a family with its parameters (the family's set-up: a pool, threads,
// a peer process, also untimed), calls Run(n) as often as it likes from its
// timed loop (n ops, timed by Python itself with time.perf_counter_ns), and
// Finishes, which tears the family down and returns its Result: ops done, a
// checksum and the family's own counts, and the CPU time and context
// switches of the interpreter and its children. The caller verifies the
// Result against its own answer table (Fold for the kernels); the driver
// checks nothing of its own answers.
//
// The interpreter leads a process group of its own, so that Close can kill
// it together with its multiprocessing children (our grandchildren).
package py

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

// driverPy is driver.py, the seed notes' Python for every family, given
// to python3 as -c text so that no copy of it is ever on disk.
//
//go:embed driver.py
var driverPy []byte

// EnvFault, set for the driver (Options.Fault), plants one wrong answer in
// every family: tests use it to prove that a wrong Python answer fails
// the benchmark.
const EnvFault = "CONCBENCH_PY_FAULT"

// Options say how to start a driver.
type Options struct {
	// Python is the interpreter; empty means model.Interpreter(kind).
	Python string
	// Fault makes the driver's workers answer wrongly (tests only).
	Fault bool
}

// Driver is one running interpreter.
type Driver struct {
	// Version and GIL are what the interpreter said when it started:
	// "3.11.7", "enabled" or "disabled".
	Version, GIL string

	py     string
	c      *proc.Child
	rd     *bufio.Reader
	family string
	once   sync.Once
	err    error
}

// Start starts the interpreter for kind k and waits for its ready line.
// The error wraps model.ErrNoPython when k's interpreter is not installed.
func Start(k model.Kind, o Options) (*Driver, error) {
	cmd, err := model.PythonCommand(k, o.Python, "-c", string(driverPy))
	if err != nil {
		return nil, err
	}
	py := cmd.Args[0]
	if o.Fault {
		cmd.Env = append(cmd.Env, EnvFault+"=1")
	}
	c, err := proc.StartCmd(cmd)
	if err != nil {
		return nil, fmt.Errorf("py %s: %w", py, err)
	}
	d := &Driver{py: py, c: c, rd: bufio.NewReader(c.Out)}
	guard := time.AfterFunc(proc.ReadyTimeout, d.kill)
	defer guard.Stop()
	line, err := d.rd.ReadString('\n')
	if err == nil {
		_, err = fmt.Sscanf(line, "ready python=%s gil=%s\n", &d.Version, &d.GIL)
	}
	if err != nil {
		d.kill()
		return nil, fmt.Errorf("py %s: want a ready line, got %q: %v%s", py, line, err, d.stderr())
	}
	return d, nil
}

// Open sets up a family of driver.py with its key=value parameters.
func (d *Driver) Open(family string, params ...string) error {
	d.family = family
	_, err := d.ask("open " + family + " " + strings.Join(params, " "))
	return err
}

// Run does n ops of the open family and returns the time Python measured
// for them.
func (d *Driver) Run(n int) (time.Duration, error) {
	reply, err := d.ask("run " + strconv.Itoa(n))
	if err != nil {
		return 0, err
	}
	var ns int64
	if _, err := fmt.Sscanf(reply, "done ns=%d", &ns); err != nil {
		return 0, fmt.Errorf("py %s: run %d: bad reply %q: %v", d.family, n, reply, err)
	}
	return time.Duration(ns), nil
}

// Finish tears the family down and returns what it did.
func (d *Driver) Finish() (Result, error) {
	reply, err := d.ask("finish")
	if err != nil {
		return nil, err
	}
	r, err := parseResult(reply)
	if err != nil {
		return nil, fmt.Errorf("py %s: finish: %w", d.family, err)
	}
	return r, nil
}

// AskTimeout is how long a command may take before the driver is killed:
// a hung pool or peer fails the run instead of hanging it.
var AskTimeout = 10 * time.Minute

// ask writes one command line and reads the one reply line; an "error"
// reply is an error.
func (d *Driver) ask(cmd string) (string, error) {
	guard := time.AfterFunc(AskTimeout, d.kill)
	defer guard.Stop()
	if _, err := d.c.In.Write([]byte(cmd + "\n")); err != nil {
		return "", fmt.Errorf("py %s: %q: %v%s", d.family, cmd, err, d.stderr())
	}
	line, err := d.rd.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("py %s: %q: no reply: %v%s", d.family, cmd, err, d.stderr())
	}
	line = strings.TrimSuffix(line, "\n")
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return "", fmt.Errorf("py %s: %q: %s", d.family, cmd, msg)
	}
	return line, nil
}

func (d *Driver) stderr() string {
	if s := d.c.Stderr(); s != "" {
		return "; stderr: " + s
	}
	return ""
}

// Close ends the interpreter: stdin closed (the driver closes an open
// family and exits), proc.Grace to exit, then its whole process group is
// killed. The error is nil only for a clean exit.
func (d *Driver) Close() error { return d.end(false) }

func (d *Driver) kill() { d.end(true) }

// end reaps the interpreter and kills what is left of its process group.
// With kill the group is killed first, while the interpreter is not yet
// reaped, so its pid, the group's id, cannot have been reused; after a
// clean exit the id is held for as long as any member of the group lives.
func (d *Driver) end(kill bool) error {
	d.once.Do(func() {
		if kill {
			model.KillGroup(d.c.Pid())
		} else if err := d.c.Close(); err != nil {
			d.err = fmt.Errorf("py %s: %w%s", d.py, err, d.stderr())
		}
		model.KillGroup(d.c.Pid()) // a child left behind
		d.c.Kill()
	})
	return d.err
}

// Result is a finished family's fields: ops, sum, cpu, ctxsw and the
// family's own.
type Result map[string]uint64

func parseResult(line string) (Result, error) {
	rest, ok := strings.CutPrefix(line, "result ")
	if !ok {
		return nil, fmt.Errorf("want a result line, got %q", line)
	}
	r := Result{}
	for _, f := range strings.Fields(rest) {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.ParseUint(v, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("bad field %q in %q", f, line)
		}
		r[k] = n
	}
	for _, k := range []string{"ops", "sum", "cpu", "ctxsw"} {
		if _, ok := r[k]; !ok {
			return nil, fmt.Errorf("no %s= in %q", k, line)
		}
	}
	return r, nil
}

// Usage is the interpreter's and its children's CPU time and context
// switches over the run rounds, for the bench meter.
func (r Result) Usage() model.Usage {
	return model.Usage{CPUNanos: int64(r["cpu"]), Ctxsw: int64(r["ctxsw"])}
}

// Want returns an error naming the first field whose value is not the
// wanted one: want is field, value, field, value ...
func (r Result) Want(family string, want ...any) error {
	var errs []error
	for i := 0; i+1 < len(want); i += 2 {
		k := want[i].(string)
		v := toUint(want[i+1])
		got, ok := r[k]
		if !ok {
			errs = append(errs, fmt.Errorf("py %s: no %s in the result", family, k))
		} else if got != v {
			errs = append(errs, fmt.Errorf("py %s: %s=%d, want %d", family, k, got, v))
		}
	}
	return errors.Join(errs...)
}

func toUint(v any) uint64 {
	switch v := v.(type) {
	case int:
		return uint64(v)
	case uint64:
		return v
	}
	panic(fmt.Sprintf("py: Want value %v (%T) is not an int or uint64", v, v))
}

// Fold is the checksum the driver's kernel families return for items
// 0 … n-1: the sum, mod 2^64, of answers[i mod ArgRange], as model.Expected
// folds a task.
func Fold(answers []uint64, n int) uint64 {
	return model.Expected(answers, model.Task{Seq: 0, N: n})
}

// Answers is workloads.Answers for a kernel name.
func Answers(kernel string) ([]uint64, error) {
	return workloads.Answers(workloads.Spec{Kernel: kernel})
}
