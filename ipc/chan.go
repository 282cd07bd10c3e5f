package ipc

import (
	"io"
	"sync"
)

// chanConn is one end of a pair of Go channels. A channel carries slot
// numbers, not bytes: Send copies the frame into the next of its slots and
// sends the slot's number, Recv copies out of the slot it is given. Slots are
// reused round robin, and there are cap+2 of them, so by the memory model
// (the k-th receive happens before the (k+cap)-th send completes) a slot is
// never written while its previous frame is still being read. One copy per
// side, as a pipe does in the kernel; no allocation per message.
type chanConn struct {
	tx       chan uint32
	rx       chan uint32
	slots    [][]byte // this end's outgoing slots
	peer     *chanConn
	next     uint32
	done     chan struct{} // closed by Close: the peer's Send stops waiting
	closeOne sync.Once
}

func chanPair(size, capacity int) (Conn, Conn, error) {
	mk := func(tx, rx chan uint32) *chanConn {
		c := &chanConn{tx: tx, rx: rx, done: make(chan struct{}), slots: make([][]byte, capacity+2)}
		for i := range c.slots {
			c.slots[i] = make([]byte, size)
		}
		return c
	}
	ab, ba := make(chan uint32, capacity), make(chan uint32, capacity)
	a, b := mk(ab, ba), mk(ba, ab)
	a.peer, b.peer = b, a
	return a, b, nil
}

func (c *chanConn) Send(p []byte) error {
	i := c.next
	if c.next++; int(c.next) == len(c.slots) {
		c.next = 0
	}
	copy(c.slots[i], p)
	// The select is what any Go code with cancellation pays: without it a
	// sender would block forever on a peer that failed and stopped reading.
	select {
	case c.tx <- i:
		return nil
	case <-c.peer.done:
		return errClosed
	}
}

func (c *chanConn) Recv(p []byte) error {
	i, ok := <-c.rx
	if !ok {
		return io.EOF
	}
	copy(p, c.peer.slots[i])
	return nil
}

func (c *chanConn) Close() error {
	c.closeOne.Do(func() {
		close(c.done)
		close(c.tx)
	})
	return nil
}
