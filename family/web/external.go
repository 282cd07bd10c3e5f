package web

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/proc"
)

// GthreadThreads is how many threads each gunicorn-gthread worker runs.
const GthreadThreads = 4

// StartTimeout bounds how long an external server may take to come up.
var StartTimeout = 30 * time.Second

// gunicornCheck runs once: are the executable and the imports there? The
// external servers come from Debian packages (internal/deps has their
// paths). gunicorn is started through its own executable: Debian's
// gunicorn and Flask live in the system Python, which the python3 first on
// PATH may not be.
var gunicornCheck = sync.OnceValue(func() error {
	if err := deps.Gunicorn.Check(); err != nil {
		return err
	}
	out, err := exec.Command(deps.SystemPython, "-c", "import flask, gunicorn").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n") // a traceback: its last line says what
		return deps.Flask.Missing(fmt.Sprintf("%s cannot import flask: %v: %s", deps.SystemPython, err, lines[len(lines)-1]))
	}
	return nil
})

// privateDir makes the server's own directory under TMPDIR (a benchmark
// binary's private one, which its next run removes if this one was killed).
func (s *Server) privateDir() (string, error) {
	if s.dir == "" {
		d, err := os.MkdirTemp("", "concbench-web-")
		if err != nil {
			return "", fmt.Errorf("private directory: %w", err)
		}
		s.dir = d
	}
	return s.dir, nil
}

// webApp and gunicornConf are the sources startGunicorn writes as
// webapp.py and gunicorn_conf.py: tests plant faults in copies.
var (
	webApp       = webAppSrc
	gunicornConf = gunicornConfSrc
)

// startGunicorn writes webapp.py into the private directory and starts
// gunicorn on a listener opened here (--bind fd://3), then waits until
// every worker has booted and /hello answers. The counter reaches the app
// as it reaches the Go servers: env names redis-server's socket, and shm,
// if not nil, is passed as descriptor 4 (the app maps it in the master,
// which --preload makes import it before the fork).
func (s *Server) startGunicorn(env []string, shm *os.File) error {
	if err := gunicornCheck(); err != nil {
		return err
	}
	dir, err := s.privateDir()
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{"webapp.py": webApp, "gunicorn_conf.py": gunicornConf} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return fmt.Errorf("listener file: %w", err)
	}
	defer f.Close()
	s.Addr = ln.Addr().String()
	args := []string{"--config", filepath.Join(dir, "gunicorn_conf.py"), "--bind", "fd://3", "--workers", strconv.Itoa(s.o.Workers), "--chdir", dir,
		"--preload", "--log-level", "warning", "--worker-class", "sync"}
	if s.o.Server == GunicornGthread {
		args = append(args[:len(args)-1], "gthread", "--threads", strconv.Itoa(GthreadThreads))
	}
	cmd := exec.Command(deps.Gunicorn.Path, append(args, "webapp:app")...)
	cmd.Env = append(append(os.Environ(), env...), "PYTHONDONTWRITEBYTECODE=1")
	cmd.ExtraFiles = []*os.File{f}
	if shm != nil {
		cmd.Env, cmd.ExtraFiles = append(cmd.Env, envShmFD+"=4"), append(cmd.ExtraFiles, shm)
	}
	c, err := proc.StartCmd(cmd)
	if err != nil {
		return err
	}
	s.children = append(s.children, c)
	return s.awaitUp(c, s.o.Workers)
}

// awaitUp waits until c has workers children (0: none needed) and /hello
// answers right.
func (s *Server) awaitUp(c *proc.Child, workers int) error {
	deadline := time.Now().Add(StartTimeout)
	for len(proc.Tree(c.Pid()))-1 < workers {
		if time.Now().After(deadline) || c.Cmd.ProcessState != nil {
			return fmt.Errorf("%d of %d workers up after %v (%s)", len(proc.Tree(c.Pid()))-1, workers, StartTimeout, c.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := Check(s.Addr, Hello); err != nil {
		return fmt.Errorf("first request: %w (stderr: %s)", err, c.Stderr())
	}
	return nil
}

// startShm makes the shm counter's memfd and maps it here too, so that
// Total reads it; the caller passes the file to the workers.
func (s *Server) startShm() (*os.File, error) {
	f, err := newShmFile()
	if err != nil {
		return nil, err
	}
	if s.shm, err = mapShm(f); err != nil {
		f.Close()
		return nil, err
	}
	s.total = func() (uint64, error) { return s.shm.n.Load(), nil }
	return f, nil
}

// maxSocketPath is the longest unix socket path (sun_path is 108 bytes
// with its terminating NUL).
const maxSocketPath = 107

// startRedis starts redis-server on a unix socket in the private
// directory (no TCP port, no persistence) and returns the socket's path
// once it answers PING.
func (s *Server) startRedis() (string, error) {
	if err := deps.Redis.Check(); err != nil {
		return "", err
	}
	dir, err := s.privateDir()
	if err != nil {
		return "", err
	}
	sock := filepath.Join(dir, "redis.sock")
	if len(sock) > maxSocketPath {
		return "", fmt.Errorf("redis socket path %s is %d bytes, over the %d a unix socket takes: set a shorter TMPDIR", sock, len(sock), maxSocketPath)
	}
	cmd := exec.Command(deps.Redis.Path, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning")
	if s.redis, err = proc.StartCmd(cmd); err != nil {
		return "", err
	}
	rc := newRedisClient(sock, 2)
	s.rc = rc
	for deadline := time.Now().Add(StartTimeout); ; time.Sleep(20 * time.Millisecond) {
		err := rc.Ping(context.Background()).Err()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("redis-server not answering PING after %v: %w (%s)", StartTimeout, err, s.redis.Stderr())
		}
	}
	s.total = func() (uint64, error) {
		v, err := rc.Get(context.Background(), counterKey).Uint64()
		if errors.Is(err, errNil) {
			return 0, nil
		}
		return v, err
	}
	return sock, nil
}

// webAppSrc is webapp.py: the web family's app in Flask, served by
// gunicorn. gunicorn imports a module, so the family writes it into a
// private temporary directory and points --chdir there.
//
//go:embed webapp.py
var webAppSrc []byte

// gunicornConfSrc is gunicorn_conf.py: a post_fork hook that gives every
// gunicorn worker PR_SET_PDEATHSIG, so that it dies with its master, and
// wakes a gthread worker's poll on SIGTERM.
//
//go:embed gunicorn_conf.py
var gunicornConfSrc []byte
