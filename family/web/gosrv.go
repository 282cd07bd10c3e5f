package web

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/proc"
)

// RoleServer is the Go servers' worker role.
const RoleServer = "web-server"

const (
	envListen = "CONCBENCH_WEB_LISTEN" // "fd" (descriptor 3) or "reuseport=<port>"
	envShmFD  = "CONCBENCH_WEB_SHM_FD" // descriptor of the shm counter's memfd
	envRedis  = "CONCBENCH_WEB_REDIS"  // redis-server's unix socket
)

func init() { proc.Register(RoleServer, serveRole) }

// startGo starts the Go server's worker processes. goroutine and prefork
// accept on one listener opened here and passed down as descriptor 3;
// reuseport's workers each open their own on a port reserved here.
func (s *Server) startGo(env []string, shm *os.File) error {
	procs, gomaxprocs := s.o.Server.Procs(s.o.Workers)
	env = append(env, "GOMAXPROCS="+strconv.Itoa(gomaxprocs))
	var ln net.Listener
	var files []*os.File
	var err error
	switch s.o.Server {
	case Goroutine, Prefork:
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		f, err := blockingFile(ln.(*net.TCPListener))
		if err != nil {
			ln.Close()
			return fmt.Errorf("listener file: %w", err)
		}
		defer f.Close()
		env, files = append(env, envListen+"=fd"), append(files, f)
	case Reuseport:
		// This listener holds the port until the workers have theirs; it
		// never accepts, so it is closed before any client connects.
		ln, err = listenReuseport("127.0.0.1:0")
		if err != nil {
			return err
		}
		env = append(env, envListen+"=reuseport="+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	default:
		return fmt.Errorf("unknown server %q (have %v)", s.o.Server, Servers)
	}
	defer ln.Close()
	if shm != nil {
		env, files = append(env, envShmFD+"="+strconv.Itoa(3+len(files))), append(files, shm)
	}
	s.Addr = ln.Addr().String()
	for i := 0; i < procs; i++ {
		c, err := proc.Start(RoleServer, proc.Options{Env: env, Files: files, Poller: true})
		if err != nil {
			return err
		}
		s.children = append(s.children, c)
	}
	return nil
}

// blockingFile is ln's descriptor as a file that stays out of Go's poller.
// os.StartProcess calls Fd on every file it passes down, and Fd puts a
// pollable descriptor back in blocking mode: on the open file description
// that the workers share, so a worker already accepting on it could be
// left in a blocking accept(2) that its Close then waits on for ever. A
// descriptor that is blocking when it is wrapped is never touched again;
// each worker makes its own end non-blocking (net.FileListener).
func blockingFile(ln *net.TCPListener) (*os.File, error) {
	f, err := ln.File()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0) // Fd: blocking now
	if err != nil {
		return nil, fmt.Errorf("dup listener: %w", err)
	}
	return os.NewFile(uintptr(fd), "listener"), nil
}

func listenReuseport(addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err == nil {
			err = serr
		}
		return err
	}}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen SO_REUSEPORT %s: %w", addr, err)
	}
	return ln, nil
}

// serveRole is one Go server worker: it opens its listener and counter,
// says it is ready, serves until its stdin closes, then exits.
func serveRole() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "concbench "+RoleServer+":", err)
		return 1
	}
	ln, err := childListener()
	if err != nil {
		return fail(err)
	}
	ctr, closeCtr, err := childCounter()
	if err != nil {
		return fail(err)
	}
	defer closeCtr()
	srv := &http.Server{Handler: newApp(ctr).handler()}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := proc.Ready(); err != nil {
		return fail(err)
	}
	io.Copy(io.Discard, os.Stdin) // until the parent closes our stdin
	srv.Close()
	if err := <-served; err != http.ErrServerClosed {
		return fail(fmt.Errorf("serve: %w", err))
	}
	return 0
}

func childListener() (net.Listener, error) {
	mode := os.Getenv(envListen)
	if mode == "fd" {
		f := os.NewFile(3, "listener")
		defer f.Close() // FileListener dups it
		ln, err := net.FileListener(f)
		if err != nil {
			return nil, fmt.Errorf("inherited listener: %w", err)
		}
		return ln, nil
	}
	port, ok := strings.CutPrefix(mode, "reuseport=")
	if !ok {
		return nil, fmt.Errorf("%s=%q: want fd or reuseport=<port>", envListen, mode)
	}
	return listenReuseport("127.0.0.1:" + port)
}

func childCounter() (Counter, func(), error) {
	if fd := os.Getenv(envShmFD); fd != "" {
		n, err := strconv.Atoi(fd)
		if err != nil {
			return nil, nil, fmt.Errorf("%s=%q: %w", envShmFD, fd, err)
		}
		f := os.NewFile(uintptr(n), "shm")
		defer f.Close()
		c, err := mapShm(f)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close() }, nil
	}
	if sock := os.Getenv(envRedis); sock != "" {
		rc := newRedisClient(sock, 64)
		return redisCounter{rc}, func() { rc.Close() }, nil
	}
	return new(globalCounter), func() {}, nil
}
