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
//
// Send is a plain channel send, not a select on a second "closed" channel:
// a select costs every round trip (it locks both channels; at 8 bytes
// between goroutines it was most of the harness's share). A sender still
// cannot hang on a peer that failed: the peer's Close closes its sending
// channel (our Recv sees EOF) and leaves a drainer receiving ours, which
// takes whatever we still send until we Close too.
type chanConn struct {
	tx       chan uint32
	rx       chan uint32
	slots    [][]byte // this end's outgoing slots
	peer     *chanConn
	next     uint32
	closeOne sync.Once
}

func chanPair(size, capacity int) (Conn, Conn, error) {
	mk := func(tx, rx chan uint32) *chanConn {
		c := &chanConn{tx: tx, rx: rx, slots: make([][]byte, capacity+2)}
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
	c.tx <- i
	return nil
}

func (c *chanConn) Recv(p []byte) error {
	i, ok := <-c.rx
	if !ok {
		return io.EOF
	}
	copy(p, c.peer.slots[i])
	return nil
}

// Close ends this side's sending and drains what the peer still sends
// until the peer closes as well; the drainer ends then.
func (c *chanConn) Close() error {
	c.closeOne.Do(func() {
		close(c.tx)
		go func() {
			for range c.rx {
			}
		}()
	})
	return nil
}
