package web

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// conn is one of a Load's connections: a non-blocking socket in its
// loop's epoll set, and the request in flight on it (at most one).
type conn struct {
	lp        *loop
	idx       int32 // in lp.conns; the epoll data of its socket
	fd        int   // -1 between connections
	busy      bool  // a request is in flight
	arg       int   // the next request's argument
	cur       int   // the argument of the request in flight
	closing   bool  // the request in flight says Connection: close
	retried   bool  // the request in flight was resent on a new connection
	out       []byte
	in        []byte // the response so far
	t0        int64  // when the request in flight was first sent, Load.now
	idle      int64  // how long the connection had waited for it, ns
	lastDone  int64  // when the last answer on the connection was whole, Load.now
	sinceDial int    // answers on the connection
	dials     int
	n         uint64 // requests answered
	retries   int    // requests sent again after an idle close
	losses    int    // requests that got no answer
	firstLost error  // why the first of them got none
	seen      map[int]uint64
}

// IdleRetry is how long a kept-alive connection must have waited for its
// next request before a loss of that request counts as the server's idle
// close, which the request survives by being sent once more on a new
// connection. A server closes an idle connection when its keep-alive
// timeout runs out: 2 s in gunicorn (the shortest of the usual servers:
// uvicorn's and Node's are 5 s, nginx's 75 s; the Go servers here set
// none). Half of that leaves room for the server's clock starting before
// ours (it starts when the answer is sent, ours when it is read). A closed
// loop's connection takes its next request at once (idle 0), an open
// loop's within milliseconds: a loss there is the server dropping the
// request, and the load reports it.
const IdleRetry = time.Second

// maxResponse bounds what a connection buffers of one response.
const maxResponse = 1 << 20

// start sends the connection's next request, dialling first if it has no
// socket; t0 is now, the request's start. finished says the request is
// over already: lost at its first write (see lost).
func (c *conn) start(t0 int64) (finished bool, err error) {
	l := c.lp.l
	c.cur, c.arg = c.arg, (c.arg+1)%len(l.reqs)
	c.closing = l.o.CloseEvery > 0 && c.sinceDial+1 >= l.o.CloseEvery
	c.busy, c.retried = true, false
	c.t0, c.idle = t0, 0
	if c.fd >= 0 {
		c.idle = t0 - c.lastDone
	}
	return c.send()
}

func (c *conn) send() (finished bool, err error) {
	if c.fd < 0 {
		if err := c.dial(); err != nil {
			return false, err
		}
	}
	c.out = c.lp.l.reqs[c.cur]
	if c.closing {
		c.out = c.lp.l.closeReqs[c.cur]
	}
	c.in = c.in[:0]
	return c.flush()
}

// dial opens a non-blocking socket to the server and adds it to the
// loop's epoll set, edge-triggered for input and output: the first
// request is written when the connection is up, and an event means new
// data (or room to write after a short write), so no epoll_ctl is needed
// per request.
func (c *conn) dial() error {
	l := c.lp.l
	fd, err := unix.Socket(l.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		unix.Close(fd)
		return fmt.Errorf("TCP_NODELAY: %w", err)
	}
	if err := unix.Connect(fd, c.lp.sa); err != nil && err != unix.EINPROGRESS && err != unix.EINTR {
		unix.Close(fd)
		return fmt.Errorf("connect: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: c.idx}
	if err := unix.EpollCtl(c.lp.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	c.fd = fd
	c.dials++
	return nil
}

// flush writes what is left of the request; on EAGAIN (a connection still
// being set up) the rest waits for the socket's next event. finished is
// lost's.
func (c *conn) flush() (finished bool, err error) {
	for len(c.out) > 0 {
		n, err := rawIO(unix.SYS_WRITE, c.fd, c.out)
		switch {
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			return false, nil
		case err == unix.EPIPE || err == unix.ECONNRESET:
			return c.lost(fmt.Errorf("write request: %w", err))
		case err != nil:
			return false, fmt.Errorf("write request: %w", err)
		default:
			c.out = c.out[n:]
		}
	}
	return false, nil
}

// lost handles a connection that closed or reset before the whole answer
// came. Where HTTP lets a client assume the server closed an idle
// connection (none of the answer came, the connection had answered before
// and waited at least IdleRetry for this request, and this is not a retry
// already), the request is sent once more on a new connection, counted in
// retries; its clock keeps running from the first send (finished false:
// on its way again). Otherwise the request is lost: counted, the
// connection hung up, and the load goes on (finished true); Stop returns
// the losses as its error.
func (c *conn) lost(cause error) (finished bool, err error) {
	if len(c.in) == 0 && c.sinceDial > 0 && !c.retried && c.idle >= int64(IdleRetry) {
		c.hangUp()
		c.retried = true
		c.retries++
		return c.send()
	}
	c.losses++
	if c.firstLost == nil {
		c.firstLost = fmt.Errorf("%w; not sent again: %s", cause, c.whyNoRetry())
	}
	c.hangUp()
	c.busy = false
	c.lp.tnow = c.lp.l.now()
	return true, nil
}

// whyNoRetry says why a lost request was not one to send again.
func (c *conn) whyNoRetry() string {
	switch {
	case len(c.in) > 0:
		return fmt.Sprintf("%d bytes of the answer had come", len(c.in))
	case c.retried:
		return "it was the retry of one lost to an idle close"
	case c.sinceDial == 0:
		return "it was the first request on a new connection"
	}
	return fmt.Sprintf("request %d on a connection that had waited %v for it after its last answer, not the %v that an idle close needs",
		c.sinceDial+1, time.Duration(c.idle), IdleRetry)
}

// rawIO is read(2) or write(2) on a non-blocking socket. Such a call never
// sleeps, so it goes in without the runtime's bookkeeping for a call that
// might (entersyscall, exitsyscall: a few hundred ns a call, per request).
func rawIO(trap uintptr, fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// hangUp closes the socket; the next request dials a new one, and counts
// for CloseEvery from there.
func (c *conn) hangUp() {
	if c.fd >= 0 {
		unix.Close(c.fd) // also takes it out of the epoll set
		c.fd = -1
	}
	c.sinceDial = 0
}

// event handles an epoll event (ev, its bits) on the connection: it
// writes what is left of the request, then, if there is input, reads until
// the response is whole or lost (done) or the socket has no more for now.
// Events on an idle connection (the server closing it) wait until it is
// used: lost retries the request then.
func (c *conn) event(ev uint32) (done bool, err error) {
	if !c.busy {
		return false, nil
	}
	if len(c.out) > 0 {
		if done, err := c.flush(); done || err != nil || len(c.out) > 0 {
			return done, err
		}
	}
	if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) == 0 {
		return false, nil // only room to write: the connection is up
	}
	for {
		if len(c.in) == cap(c.in) {
			if cap(c.in) >= maxResponse {
				return false, fmt.Errorf("response over %d bytes: %.80q", maxResponse, c.in)
			}
			c.in = append(c.in, make([]byte, cap(c.in))...)[:len(c.in)]
		}
		n, err := rawIO(unix.SYS_READ, c.fd, c.in[len(c.in):cap(c.in)])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false, nil
		case isReset(err):
			return c.lost(fmt.Errorf("read response: %w", err))
		case err != nil:
			return false, fmt.Errorf("read response: %w", err)
		case n == 0:
			if len(c.in) == 0 {
				return c.lost(errors.New("connection closed before any of the answer"))
			}
			return c.lost(fmt.Errorf("connection closed after %d bytes of the answer %.80q", len(c.in), c.in))
		}
		c.in = c.in[:len(c.in)+n]
		if done, err := c.complete(); done || err != nil {
			return done, err
		}
	}
}

// complete checks the response read so far: not yet whole (false), whole
// and right (true), or wrong (an error). A whole response is timed,
// counted and checked; the connection is closed if either side said
// Connection: close.
func (c *conn) complete() (bool, error) {
	status, body, srvClose, size, err := parseResponse(c.in)
	if err != nil || size == 0 {
		return false, err
	}
	if size < len(c.in) {
		return false, fmt.Errorf("%d bytes after the response: %.80q", len(c.in)-size, c.in[size:])
	}
	c.lp.tnow = c.lp.l.now()
	c.lastDone = c.lp.tnow
	c.lp.hist.Record(time.Duration(c.lp.tnow - c.t0))
	c.n++
	c.sinceDial++
	c.busy = false
	if srvClose || c.closing {
		c.hangUp()
	}
	return true, c.verify(c.cur, status, body)
}

func (c *conn) verify(arg, status int, body []byte) error {
	if status != 200 {
		return fmt.Errorf("status %d, body %q", status, body)
	}
	l := c.lp.l
	if l.want != nil {
		if !bytes.Equal(body, l.want[arg]) {
			return fmt.Errorf("arg %d: body %q, want %q", arg, body, l.want[arg])
		}
		return nil
	}
	v, pid, err := parseCount(body)
	if err != nil {
		return err
	}
	c.seen[pid] = max(c.seen[pid], v)
	return nil
}

var (
	crlf        = []byte("\r\n")
	hdrLength   = []byte("content-length")
	hdrConn     = []byte("connection")
	hdrEncoding = []byte("transfer-encoding")
	tokClose    = []byte("close")
)

// maxHead bounds a response's status line and headers.
const maxHead = 16 << 10

// parseResponse parses one HTTP/1.x response with a Content-Length body
// (every server here sends one) from the start of b: its status, its body
// (a slice of b), whether the server will close the connection, and its
// size in b. A size of 0 means b holds only part of it.
func parseResponse(b []byte) (status int, body []byte, srvClose bool, size int, err error) {
	line, rest, ok := bytes.Cut(b, crlf)
	if !ok {
		return 0, nil, false, 0, partial(b)
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, nil, false, 0, fmt.Errorf("status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, false, 0, fmt.Errorf("status line %q", line)
	}
	length := -1
	for {
		var h []byte
		if h, rest, ok = bytes.Cut(rest, crlf); !ok {
			return 0, nil, false, 0, partial(b)
		}
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		switch value = bytes.TrimSpace(value); {
		case bytes.EqualFold(name, hdrLength):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, false, 0, fmt.Errorf("header %q", h)
			}
		case bytes.EqualFold(name, hdrConn):
			srvClose = bytes.EqualFold(value, tokClose)
		case bytes.EqualFold(name, hdrEncoding):
			return 0, nil, false, 0, fmt.Errorf("header %q: want a Content-Length body", h)
		}
	}
	if length < 0 {
		return 0, nil, false, 0, fmt.Errorf("status %d: no Content-Length", status)
	}
	start := len(b) - len(rest)
	if len(rest) < length {
		return 0, nil, false, 0, nil
	}
	return status, b[start : start+length], srvClose, start + length, nil
}

// partial is a response's head not yet whole: nil, or an error once it is
// longer than any head should be.
func partial(b []byte) error {
	if len(b) > maxHead {
		return fmt.Errorf("no end of headers in %d bytes: %.80q", len(b), b)
	}
	return nil
}
