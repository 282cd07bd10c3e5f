package ipc

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Conn is one end of a connected pair. Send writes the whole frame; Recv
// fills the whole frame. Neither allocates. Close is called once, by the
// end's owner, and makes the other end's blocked or later Send and Recv
// return an error.
type Conn interface {
	Send(frame []byte) error
	Recv(frame []byte) error
	Close() error
}

var errClosed = errors.New("peer closed")

// transport is one way of talking. pair connects two ends in this process;
// toChild makes the parent's end and the files a child needs (the caller
// closes them once the child has started); inChild opens the child's end
// from those files, which the child receives as descriptors 3, 4, ...
type transport struct {
	name    string
	pair    func(size int) (Conn, Conn, error)
	toChild func(size int) (Conn, []*os.File, error)
	inChild func(fds []int, size int) (Conn, error)
}

// ChanCap is the buffered channel's capacity in frames.
const ChanCap = 16

var transports = []transport{
	{name: "chan-unbuffered", pair: func(size int) (Conn, Conn, error) { return chanPair(size, 0) }},
	{name: "chan-buffered", pair: func(size int) (Conn, Conn, error) { return chanPair(size, ChanCap) }},
	{
		name:    "os-pipe",
		pair:    pairOf(osPipePair),
		toChild: toChildOf(osPipePair, func(b *streamConn) []*os.File { return []*os.File{b.r.(*os.File), b.w.(*os.File)} }),
		inChild: func(fds []int, _ int) (Conn, error) {
			// Descriptors arrive blocking; made non-blocking, os.NewFile
			// puts them on the poller, as os.Pipe's are in the parent.
			for _, fd := range fds {
				if err := syscall.SetNonblock(fd, true); err != nil {
					return nil, fmt.Errorf("set non-blocking: %w", err)
				}
			}
			return fileConn(os.NewFile(uintptr(fds[0]), "|r"), os.NewFile(uintptr(fds[1]), "|w")), nil
		},
	},
	{
		name: "pipe-raw",
		pair: pairOf(rawPair),
		toChild: toChildOf(rawPair, func(b *rawConn) []*os.File {
			return []*os.File{os.NewFile(uintptr(b.r), "|r"), os.NewFile(uintptr(b.w), "|w")}
		}),
		inChild: func(fds []int, _ int) (Conn, error) { return &rawConn{r: fds[0], w: fds[1]}, nil },
	},
	{
		name: "unix",
		pair: func(int) (Conn, Conn, error) {
			a, fb, err := unixPair()
			if err != nil {
				return nil, nil, err
			}
			b, err := fileNetConn(fb)
			if err != nil {
				a.Close()
				return nil, nil, err
			}
			return a, netConn(b), nil
		},
		toChild: func(int) (Conn, []*os.File, error) {
			a, fb, err := unixPair()
			if err != nil {
				return nil, nil, err
			}
			return a, []*os.File{fb}, nil
		},
		inChild: socketInChild,
	},
	{
		name: "tcp",
		pair: func(int) (Conn, Conn, error) {
			a, b, err := tcpPair()
			if err != nil {
				return nil, nil, err
			}
			return netConn(a), netConn(b), nil
		},
		toChild: func(int) (Conn, []*os.File, error) {
			a, b, err := tcpPair()
			if err != nil {
				return nil, nil, err
			}
			f, err := b.File()
			b.Close()
			if err != nil {
				a.Close()
				return nil, nil, err
			}
			return netConn(a), []*os.File{f}, nil
		},
		inChild: socketInChild,
	},
	shmTransport("shm", 0),
	shmTransport("shm-spin", spinPolls),
}

func shmTransport(name string, spin int) transport {
	return transport{
		name: name,
		pair: func(size int) (Conn, Conn, error) {
			m, f, err := shmCreate(size)
			if err != nil {
				return nil, nil, err
			}
			f.Close()
			return shmEnd(m, size, 0, spin), shmEnd(m, size, 1, spin), nil
		},
		toChild: func(size int) (Conn, []*os.File, error) {
			m, f, err := shmCreate(size)
			if err != nil {
				return nil, nil, err
			}
			return shmEnd(m, size, 0, spin), []*os.File{f}, nil
		},
		inChild: func(fds []int, size int) (Conn, error) {
			f := os.NewFile(uintptr(fds[0]), "memfd")
			m, err := shmOpen(f, size)
			f.Close()
			if err != nil {
				return nil, err
			}
			return shmEnd(m, size, 1, spin), nil
		},
	}
}

func socketInChild(fds []int, _ int) (Conn, error) {
	c, err := fileNetConn(os.NewFile(uintptr(fds[0]), "socket"))
	if err != nil {
		return nil, err
	}
	return netConn(c), nil
}

func lookup(name string) (*transport, error) {
	for i := range transports {
		if transports[i].name == name {
			return &transports[i], nil
		}
	}
	return nil, fmt.Errorf("ipc: unknown transport %q (have %v)", name, Transports())
}

// Transports lists the transport names.
func Transports() []string {
	var out []string
	for _, t := range transports {
		out = append(out, t.name)
	}
	return out
}

// Peers lists the peers a transport can reach: a Go channel cannot cross a
// process boundary, so channels have no process peer.
func Peers(transport string) []Peer {
	t, err := lookup(transport)
	if err != nil {
		return nil
	}
	if t.toChild == nil {
		return []Peer{Goroutine, Thread}
	}
	return []Peer{Goroutine, Thread, Process}
}

// pairOf adapts a constructor of two connected pipe ends to a transport's
// pair.
func pairOf[T Conn](mk func() (T, T, error)) func(int) (Conn, Conn, error) {
	return func(int) (Conn, Conn, error) {
		a, b, err := mk()
		if err != nil {
			return nil, nil, err
		}
		return a, b, nil
	}
}

// toChildOf adapts the same constructor to a transport's toChild: the
// parent keeps one end, and the other end's descriptors go to the child.
func toChildOf[T Conn](mk func() (T, T, error), files func(T) []*os.File) func(int) (Conn, []*os.File, error) {
	return func(int) (Conn, []*os.File, error) {
		a, b, err := mk()
		if err != nil {
			return nil, nil, err
		}
		return a, files(b), nil
	}
}

// unixPair is a socketpair whose first end is a Conn on Go's poller and
// whose second end is still a file: wrapped by pair, handed to a child by
// toChild.
func unixPair() (*streamConn, *os.File, error) {
	fa, fb, err := socketPair()
	if err != nil {
		return nil, nil, err
	}
	a, err := fileNetConn(fa)
	if err != nil {
		fb.Close()
		return nil, nil, err
	}
	return netConn(a), fb, nil
}
