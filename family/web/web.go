// Package web is the seeds' last chapter, WSGI and "processes and shared
// variables in web frameworks", as a benchmark family: which server model
// serves HTTP best on this machine, and what happens to a module-level
// variable when the server is more than one process.
//
// A caller Starts a server (Options: Server kind, Workers, Counter), points
// a Load at its Addr, and Closes it. Every server serves the same app
// (/hello, /work, /sleep, /count; see Path) on 127.0.0.1 only:
//
//	goroutine         one child process, net/http, a goroutine per
//	                  connection, GOMAXPROCS=workers
//	prefork           workers child processes at GOMAXPROCS=1, all accepting
//	                  on one listening socket that this process opened and
//	                  passed down (proc.Options.Files), as a pre-fork server
//	reuseport         workers child processes at GOMAXPROCS=1, each with its
//	                  own SO_REUSEPORT listener on one port: the kernel
//	                  spreads the connections
//	gunicorn-sync     webapp.py (Flask) under Debian's gunicorn, sync workers
//	gunicorn-gthread  the same with gthread workers (GthreadThreads each)
//
// The Go servers are this binary in the RoleServer role, started with
// proc.Start (the one ready handshake); gunicorn and redis-server are
// started with proc.StartCmd, so every server process has Pdeathsig and is
// reaped, and a Ctrl-C that kills the benchmark takes them with it
// (gunicorn's workers leave when they see their master gone).
//
// The Load (load.go) is a closed-loop HTTP/1.1 client that checks every
// response: status 200 and the exact body, from Expected; /count answers are
// parsed and kept per worker pid, which is how the shared-variable rows see
// the seeds' problem (max-seen < requests once there are two processes).
// It serves its connections from epoll loops of its own, with raw
// non-blocking reads and writes, not a goroutine per net.Conn: it shares
// the cores with the server it measures, so it is built to take no more
// of them per request than wrk does (see Load, and BenchmarkWebReference).
//
// web is one family: its workers come from proc, its kernels from
// workloads; it imports no other family, nor report or regress.
package web

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/concbench/concbench/proc"
)

// ServerKind names a server model.
type ServerKind string

const (
	Goroutine       ServerKind = "goroutine"
	Prefork         ServerKind = "prefork"
	Reuseport       ServerKind = "reuseport"
	GunicornSync    ServerKind = "gunicorn-sync"
	GunicornGthread ServerKind = "gunicorn-gthread"
)

// Servers lists every server kind, Go first.
var Servers = []ServerKind{Goroutine, Prefork, Reuseport, GunicornSync, GunicornGthread}

// IsGunicorn says whether k runs Python under gunicorn.
func (k ServerKind) IsGunicorn() bool { return k == GunicornSync || k == GunicornGthread }

// Procs is how many server processes k runs for workers, and GoMaxProcs
// the GOMAXPROCS of each (0 for gunicorn's Python workers): goroutine is
// one process at GOMAXPROCS=workers, prefork and reuseport are workers
// processes at GOMAXPROCS=1.
func (k ServerKind) Procs(workers int) (procs, gomaxprocs int) {
	switch {
	case k.IsGunicorn():
		return workers, 0
	case k == Goroutine:
		return 1, workers
	}
	return workers, 1
}

// Options say which server to start.
type Options struct {
	Server  ServerKind
	Workers int
	Counter CounterKind // Global when empty
}

// Server is a running server.
type Server struct {
	Addr     string // host:port on 127.0.0.1
	o        Options
	children []*proc.Child // the server processes this process started
	redis    *proc.Child
	shm      *shmCounter // this process's view of a shm counter
	dir      string      // private temporary directory, if any
	rc       interface{ Close() error }
	total    func() (uint64, error)
}

// Start starts a server and returns once every worker is ready to serve.
// Its error wraps deps.ErrMissing when a Debian package the server needs
// is not installed: the caller skips with its line.
func Start(o Options) (*Server, error) {
	if o.Workers < 1 {
		return nil, fmt.Errorf("web: %s server: %d workers, want at least 1", o.Server, o.Workers)
	}
	if o.Counter == "" {
		o.Counter = Global
	}
	s := &Server{o: o}
	err := s.start()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("web: start %s server, %d workers, counter %s: %w", o.Server, o.Workers, o.Counter, err)
	}
	return s, nil
}

func (s *Server) start() error {
	var env []string
	var shm *os.File
	switch s.o.Counter {
	case Global:
	case Shm:
		f, err := s.startShm()
		if err != nil {
			return err
		}
		defer f.Close() // the children have their copies once started
		shm = f
	case Redis:
		sock, err := s.startRedis()
		if err != nil {
			return err
		}
		env = append(env, envRedis+"="+sock)
	default:
		return fmt.Errorf("unknown counter %q (have global, shm, redis)", s.o.Counter)
	}
	if s.o.Server.IsGunicorn() {
		return s.startGunicorn(env, shm)
	}
	return s.startGo(env, shm)
}

// Pids are the server's processes now: the children this process started
// and their descendants (gunicorn's workers), and redis-server if the
// counter is there (its CPU is part of that fix's cost).
func (s *Server) Pids() []int {
	var out []int
	for _, c := range s.all() {
		out = append(out, proc.Tree(c.Pid())...)
	}
	return out
}

func (s *Server) all() []*proc.Child {
	out := append([]*proc.Child(nil), s.children...)
	if s.redis != nil {
		out = append(out, s.redis)
	}
	return out
}

// Total is the shared counter's value (shm, redis); for the global
// counter there is none to read, and ok is false.
func (s *Server) Total() (v uint64, ok bool, err error) {
	if s.total == nil {
		return 0, false, nil
	}
	v, err = s.total()
	return v, true, err
}

// Close stops every server process, waits until each (gunicorn's workers
// included) has exited, and removes the private directory. It asks them
// all at once (stdin closed for the Go servers; SIGTERM for gunicorn,
// whose master stops its workers and reaps them before it exits, and for
// redis-server) and waits while they make progress (see StopStuck): no
// fixed grace. Not SIGINT for gunicorn (its quick stop): a gthread
// worker's SIGQUIT handler calls the thread pool's shutdown, which
// deadlocks when the signal lands while the worker is inside the pool's
// submit.
func (s *Server) Close() error {
	pids := s.Pids()
	for _, c := range s.all() {
		if c == s.redis || s.o.Server.IsGunicorn() {
			c.Cmd.Process.Signal(syscall.SIGTERM)
		} else {
			c.In.Close()
		}
	}
	var errs []error
	if err := awaitStopped(pids); err != nil {
		errs = append(errs, err)
		for _, c := range s.all() {
			c.Kill() // the Go servers and gunicorn's workers die with their parent (Pdeathsig)
		}
		errs = append(errs, awaitStopped(pids))
	}
	for _, c := range s.all() {
		errs = append(errs, c.Close()) // exited: reaps it, and says how it ended
	}
	if s.rc != nil {
		errs = append(errs, s.rc.Close())
	}
	if s.shm != nil {
		errs = append(errs, s.shm.Close())
	}
	if s.dir != "" {
		errs = append(errs, os.RemoveAll(s.dir))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("web: stop %s server: %w", s.o.Server, err)
	}
	return nil
}
