package ipc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

// rawConn is a pair of blocking descriptors driven with plain read(2) and
// write(2) on the calling thread: no poller, no non-blocking retry loop, so
// a round trip costs what the kernel charges for the copy and the wake-up,
// as in perf bench sched pipe. A blocked read parks the whole thread; that is
// the point of a raw pipe, and why the thread and process peers lock theirs.
type rawConn struct {
	r, w      int
	closeOnce sync.Once
}

func (c *rawConn) Send(p []byte) error {
	for len(p) > 0 {
		n, err := syscall.Write(c.w, p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

func (c *rawConn) Recv(p []byte) error {
	got := 0
	for got < len(p) {
		n, err := syscall.Read(c.r, p[got:])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return err
		case n == 0 && got == 0:
			return io.EOF
		case n == 0:
			return io.ErrUnexpectedEOF
		}
		got += n
	}
	return nil
}

func (c *rawConn) Close() error {
	var err error
	c.closeOnce.Do(func() { err = errors.Join(syscall.Close(c.r), syscall.Close(c.w)) })
	return err
}

// rawPipe makes a blocking pipe (O_CLOEXEC; exec.Cmd.ExtraFiles dups what a
// child needs).
func rawPipe() (r, w int, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return -1, -1, fmt.Errorf("pipe: %w", err)
	}
	return fds[0], fds[1], nil
}

// rawPair returns two rawConns joined by two blocking pipes.
func rawPair() (a, b *rawConn, err error) {
	ar, bw, err := rawPipe()
	if err != nil {
		return nil, nil, err
	}
	br, aw, err := rawPipe()
	if err != nil {
		syscall.Close(ar)
		syscall.Close(bw)
		return nil, nil, err
	}
	return &rawConn{r: ar, w: aw}, &rawConn{r: br, w: bw}, nil
}

// streamConn is a Conn over a reader and writer that go through Go's
// poller: *os.File from os.Pipe, net.Conn. Write writes all of p or fails.
type streamConn struct {
	r       io.Reader
	w       io.Writer
	closers []io.Closer
	once    sync.Once
}

func (c *streamConn) Send(p []byte) error { _, err := c.w.Write(p); return err }

func (c *streamConn) Recv(p []byte) error {
	_, err := io.ReadFull(c.r, p)
	return err
}

func (c *streamConn) Close() error {
	var err error
	c.once.Do(func() {
		for _, x := range c.closers {
			err = errors.Join(err, x.Close())
		}
	})
	return err
}

func fileConn(r, w *os.File) *streamConn {
	return &streamConn{r: r, w: w, closers: []io.Closer{r, w}}
}

func netConn(c net.Conn) *streamConn { return &streamConn{r: c, w: c, closers: []io.Closer{c}} }

// osPipePair: two os.Pipe pairs, non-blocking, through the poller.
func osPipePair() (a, b *streamConn, err error) {
	ar, bw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	br, aw, err := os.Pipe()
	if err != nil {
		ar.Close()
		bw.Close()
		return nil, nil, err
	}
	return fileConn(ar, aw), fileConn(br, bw), nil
}

// socketPair returns both ends of a unix stream socketpair as files.
func socketPair() (a, b *os.File, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "unix-a"), os.NewFile(uintptr(fds[1]), "unix-b"), nil
}

// fileNetConn turns a socket file into a net.Conn on the poller and closes
// the file (net.FileConn dups it).
func fileNetConn(f *os.File) (net.Conn, error) {
	defer f.Close()
	return net.FileConn(f)
}

// tcpPair connects two loopback TCP sockets with TCP_NODELAY on both (Go's
// default, set here explicitly because the result depends on it).
func tcpPair() (a, b *net.TCPConn, err error) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, nil, fmt.Errorf("tcp listen: %w", err)
	}
	defer ln.Close()
	type res struct {
		c   *net.TCPConn
		err error
	}
	acc := make(chan res, 1)
	go func() {
		c, err := ln.AcceptTCP()
		acc <- res{c, err}
	}()
	a, err = net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	r := <-acc
	if err != nil || r.err != nil {
		if a != nil {
			a.Close()
		}
		if r.c != nil {
			r.c.Close()
		}
		return nil, nil, fmt.Errorf("tcp connect: %w", errors.Join(err, r.err))
	}
	b = r.c
	for _, c := range []*net.TCPConn{a, b} {
		if err := c.SetNoDelay(true); err != nil {
			a.Close()
			b.Close()
			return nil, nil, fmt.Errorf("tcp nodelay: %w", err)
		}
	}
	return a, b, nil
}
