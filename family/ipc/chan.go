package ipc

import (
	"io"
	"sync"
)

// chanConn is one end of a pair of Go channels. A channel message is the
// frame's 8-byte header itself; the rest of the frame goes through a slot:
// Send copies the payload into the next of its slots, Recv copies it out of
// the next of the peer's. Both ends count messages, and a channel keeps
// them in order, so the slot is implied, never sent. An 8-byte frame is all
// header and never touches a slot: it costs what an [8]byte sent over a
// channel costs. Slots are reused round robin, and there are cap+2 of
// them, so by the memory model (the k-th receive happens before the
// (k+cap)-th send completes) a slot is never written while its previous
// frame is still being read. One copy per side, as a pipe does in the
// kernel; no allocation per message.
//
// Send is a plain channel send, not a select on a second "closed" channel:
// a select costs every round trip (it locks both channels; at 8 bytes
// between goroutines it was most of the harness's share). A sender still
// cannot hang on a peer that failed: the peer's Close closes its sending
// channel (our Recv sees EOF) and leaves a drainer receiving ours, which
// takes whatever we still send until we Close too.
type chanConn struct {
	tx, rx   chan [headerSize]byte
	slots    [][]byte // this end's outgoing payload slots
	peer     *chanConn
	next     int // the slot of our next send
	rnext    int // the peer's slot of our next receive
	closeOne sync.Once
}

func chanPair(size, capacity int) (Conn, Conn, error) {
	mk := func(tx, rx chan [headerSize]byte) *chanConn {
		c := &chanConn{tx: tx, rx: rx, slots: make([][]byte, capacity+2)}
		for i := range c.slots {
			c.slots[i] = make([]byte, size-headerSize)
		}
		return c
	}
	ab, ba := make(chan [headerSize]byte, capacity), make(chan [headerSize]byte, capacity)
	a, b := mk(ab, ba), mk(ba, ab)
	a.peer, b.peer = b, a
	return a, b, nil
}

func (c *chanConn) Send(p []byte) error {
	if len(p) > headerSize {
		copy(c.slots[c.next], p[headerSize:])
		if c.next++; c.next == len(c.slots) {
			c.next = 0
		}
	}
	c.tx <- [headerSize]byte(p)
	return nil
}

func (c *chanConn) Recv(p []byte) error {
	h, ok := <-c.rx
	if !ok {
		return io.EOF
	}
	copy(p, h[:])
	if len(p) > headerSize {
		copy(p[headerSize:], c.peer.slots[c.rnext])
		if c.rnext++; c.rnext == len(c.slots) {
			c.rnext = 0
		}
	}
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
