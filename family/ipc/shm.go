package ipc

import (
	"fmt"
	"math/bits"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Shared memory: one memfd mapped MAP_SHARED by both ends, holding two
// single-producer single-consumer byte rings, one per direction. A ring is a
// byte stream like a pipe, so a message larger than the ring simply goes
// through in pieces while the reader drains it.
//
// Each ring's control page holds head (bytes ever written, stored only by
// the producer), tail (bytes ever read, stored only by the consumer), a
// closed flag, and one futex word per side. A side that finds nothing to do
// stores how much it needs, sets its futex word to 1, looks again, and only
// then sleeps in FUTEX_WAIT(word, 1), which the kernel refuses (EAGAIN) once
// the word is no longer 1; the other side, after moving head or tail, loads
// the word and, if it is 1 and enough is there, swaps it to 0 and calls
// FUTEX_WAKE. No system call at all while both sides keep up.
//
// Why no wake-up is lost. This is the store-buffer pattern: the sleeper
// stores its word, then loads the index; the mover stores the index, then
// loads the word. If either load could overtake its own side's store, both
// could read the old values: the sleeper sleeps, the mover does not wake it,
// and in a ping-pong both ends then sleep for good. Go's memory model makes
// sync/atomic sequentially consistent, which would forbid that, but here
// the promise is not kept by every build: with -race an atomic Store to
// memory outside the Go heap (this mapping) is a plain MOV, which x86 lets
// a later load overtake, and a process peer is outside the memory model
// anyway: what counts there is the instructions. So the two stores that a load must not overtake, the futex word's
// 1 and head or tail, are atomic Swaps: a read-modify-write, which on amd64
// is a locked XCHG in every build (Store without -race compiles to the same
// instruction, so this costs nothing there), and no later load overtakes it.
// Then one of the two loads comes after the other side's store: either the
// sleeper sees the new index and does not sleep, or the mover sees the 1
// (and the need stored before it) and wakes the sleeper; if that wake comes
// before FUTEX_WAIT, the word is 0 and FUTEX_WAIT returns at once. A wake-up
// that is early or spurious (EINTR) only sends the sleeper round its loop,
// which looks again before every sleep. shutdown stores closed before it
// zeroes the words (x86 keeps stores in order) and wakes both; a sleeper
// checks closed after its swap. The futexes are shared (no
// FUTEX_PRIVATE_FLAG): the kernel keys them by the memfd page, so the two
// ends meet on one futex even when they are different processes.
//
// spin, when non-zero, makes a side poll the index that many times before it
// sleeps: lower latency when both sides have a core, paid for in CPU time
// (cpu-ns/op shows it). The polls only read; the handshake above starts
// after them from the beginning (need, word, look again), so data that
// lands as the spin gives up is seen or wakes the sleeper as any other.
const (
	ctlPage  = 4096
	offHead  = 0
	offTail  = 64
	offShut  = 128
	offCons  = 192 // consumer's futex word
	offProd  = 256 // producer's futex word
	offCNeed = 320 // bytes the sleeping consumer waits for
	offPNeed = 384 // free bytes the sleeping producer waits for

	spinPolls = 1 << 11

	futexWaitOp = 0 // FUTEX_WAIT, without FUTEX_PRIVATE_FLAG
	futexWakeOp = 1 // FUTEX_WAKE
)

// ringBytes is the data size of each ring for frames of size bytes: twice
// the frame, at least 64 KiB (a pipe's default buffer), at most 4 MiB.
func ringBytes(size int) int {
	n := max(2*size, 64<<10)
	n = 1 << bits.Len(uint(n-1))
	return min(n, 4<<20)
}

func shmBytes(size int) int { return 2 * (ctlPage + ringBytes(size)) }

// shmMap is one mapping of the region; in-process pairs share it and unmap
// when both ends have closed.
type shmMap struct {
	mem  []byte
	refs atomic.Int32
	once sync.Once
}

func (m *shmMap) release() error {
	if m.refs.Add(-1) > 0 {
		return nil
	}
	var err error
	m.once.Do(func() { err = unix.Munmap(m.mem) })
	return err
}

// shmCreate makes the memfd and maps it; the caller closes fd when it no
// longer needs to pass it on.
func shmCreate(size int) (*shmMap, *os.File, error) {
	fd, err := unix.MemfdCreate("concbench-ipc", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:concbench-ipc")
	if err := f.Truncate(int64(shmBytes(size))); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("memfd truncate: %w", err)
	}
	m, err := shmOpen(f, size)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return m, f, nil
}

func shmOpen(f *os.File, size int) (*shmMap, error) {
	mem, err := unix.Mmap(int(f.Fd()), 0, shmBytes(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return &shmMap{mem: mem}, nil
}

// ring is a view of one direction's ring inside a mapping.
type ring struct {
	head, tail       *atomic.Uint64
	cneed, pneed     *atomic.Uint64
	shut, cons, prod *atomic.Uint32
	data             []byte
	mask             uint64
}

func ringAt(mem []byte, size, i int) ring {
	base := i * (ctlPage + ringBytes(size))
	p := func(off int) unsafe.Pointer { return unsafe.Pointer(&mem[base+off]) }
	data := mem[base+ctlPage : base+ctlPage+ringBytes(size)]
	return ring{
		head: (*atomic.Uint64)(p(offHead)), tail: (*atomic.Uint64)(p(offTail)),
		cneed: (*atomic.Uint64)(p(offCNeed)), pneed: (*atomic.Uint64)(p(offPNeed)),
		shut: (*atomic.Uint32)(p(offShut)), cons: (*atomic.Uint32)(p(offCons)), prod: (*atomic.Uint32)(p(offProd)),
		data: data, mask: uint64(len(data) - 1),
	}
}

// shmConn is one end: it produces into out and consumes from in.
type shmConn struct {
	m       *shmMap
	in, out ring
	head    uint64 // out's head: only this end stores it
	tail    uint64 // in's tail: only this end stores it
	spin    int
	once    sync.Once
}

// shmEnd opens end side (0: the creator, 1: the peer) of a mapping.
func shmEnd(m *shmMap, size, side, spin int) *shmConn {
	m.refs.Add(1)
	c := &shmConn{m: m, in: ringAt(m.mem, size, 1-side), out: ringAt(m.mem, size, side), spin: spin}
	c.head = c.out.head.Load()
	c.tail = c.in.tail.Load()
	return c
}

func (c *shmConn) Send(p []byte) error {
	r := &c.out
	size := uint64(len(r.data))
	for len(p) > 0 {
		free := size - (c.head - r.tail.Load())
		if free == 0 {
			if err := c.wait(r, false, min(uint64(len(p)), size/2)); err != nil {
				return err
			}
			continue
		}
		if r.shut.Load() != 0 {
			return errClosed
		}
		off := c.head & r.mask
		n := min(uint64(len(p)), free, size-off)
		copy(r.data[off:off+n], p[:n])
		c.head += n
		r.head.Swap(c.head) // a fence, not a Store: see the comment at the top
		if r.cons.Load() != 0 && c.head-r.tail.Load() >= r.cneed.Load() {
			wake(r.cons)
		}
		p = p[n:]
	}
	return nil
}

func (c *shmConn) Recv(p []byte) error {
	r := &c.in
	size := uint64(len(r.data))
	for len(p) > 0 {
		avail := r.head.Load() - c.tail
		if avail == 0 {
			if err := c.wait(r, true, min(uint64(len(p)), size/2)); err != nil {
				return err
			}
			continue
		}
		off := c.tail & r.mask
		n := min(uint64(len(p)), avail, size-off)
		copy(p[:n], r.data[off:off+n])
		c.tail += n
		r.tail.Swap(c.tail) // a fence, as in Send
		if r.prod.Load() != 0 && size-(r.head.Load()-c.tail) >= r.pneed.Load() {
			wake(r.prod)
		}
		p = p[n:]
	}
	return nil
}

// ready reports whether the consumer (recv) has need bytes to read or the
// producer need bytes of room.
func (c *shmConn) ready(r *ring, recv bool, need uint64) bool {
	if recv {
		return r.head.Load()-c.tail >= need
	}
	return uint64(len(r.data))-(c.head-r.tail.Load()) >= need
}

// wait blocks until ready or the ring is shut down. A side waits for need
// bytes (half the ring, or what it still has to move if less), not for one:
// waking a producer for every few bytes freed in a full ring would cost a
// futex round per frame and no throughput.
func (c *shmConn) wait(r *ring, recv bool, need uint64) error {
	word, needWord := r.prod, r.pneed
	if recv {
		word, needWord = r.cons, r.cneed
	}
	for i := 0; i < c.spin; i++ {
		if c.ready(r, recv, need) {
			return nil
		}
	}
	needWord.Store(need)
	for {
		word.Swap(1) // a fence, as in Send
		if c.ready(r, recv, need) {
			word.Store(0)
			return nil
		}
		if r.shut.Load() != 0 {
			return errClosed
		}
		futexWait(word, 1)
		if c.ready(r, recv, need) {
			return nil
		}
	}
}

func wake(word *atomic.Uint32) {
	if word.Load() != 0 && word.Swap(0) != 0 {
		futexWake(word)
	}
}

// shutdown marks both rings closed and wakes every sleeper; the mapping
// stays, so a side still inside Send or Recv returns errClosed safely.
func (c *shmConn) shutdown() {
	for _, r := range []*ring{&c.in, &c.out} {
		r.shut.Store(1)
		for _, w := range []*atomic.Uint32{r.cons, r.prod} {
			w.Store(0)
			futexWake(w)
		}
	}
}

func (c *shmConn) Close() error {
	var err error
	c.once.Do(func() {
		c.shutdown()
		err = c.m.release()
	})
	return err
}

func futexWait(word *atomic.Uint32, val uint32) {
	// FUTEX_WAIT (shared): sleeps only while *word == val. EAGAIN and EINTR
	// just send the caller round its loop again.
	syscall.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWaitOp, uintptr(val), 0, 0, 0)
}

func futexWake(word *atomic.Uint32) {
	syscall.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWakeOp, 1, 0, 0, 0)
}
