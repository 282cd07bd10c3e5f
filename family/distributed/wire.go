package distributed

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Every Go queue's connection starts with a handshake in which each end
// proves that it holds the shared secret (the seeds' authkey) without
// sending it, as Python's managers do both ways (deliver_challenge, then
// answer_challenge):
//
//	master → worker  greeting, nonceM (16 random bytes)
//	worker → master  nonceW (16 random bytes)
//	master → worker  HMAC-SHA256(secret, "master" nonceM nonceW)
//	worker → master  HMAC-SHA256(secret, "worker" nonceM nonceW)
//	master → worker  1 (let in) or 0 (refused)
//
// Each proof names its signer's role and both nonces, so no proof can be
// reflected to the other end or replayed on another connection. The master
// proves first: a worker gives its proof only to a peer that has shown the
// secret, so a party that forwards a master's nonce to a real worker gets
// no proof to show the master unless it relays the master's own proof too,
// which makes it a plain TCP forwarder between two real ends. Like
// Python's, the handshake does not protect the bytes after it: across
// untrusted networks, run the queue inside a VPN or an SSH tunnel.
//
// A connection counts as a worker only once it has been let in.

// greeting opens the master's first message: a peer that does not send it
// is not a concbench master.
var greeting = []byte("concbench-dist/2")

const nonceLen = 16

var (
	errDenied    = errors.New("authentication failed: the master refused this secret")
	errNotMaster = errors.New("the peer is not a concbench dist master (no concbench greeting)")
	errNoProof   = errors.New("authentication failed: the master did not prove the secret (wrong secret on one side, or not a concbench master)")
)

// DefaultHandshakeTimeout bounds the handshake when Config leaves it zero.
const DefaultHandshakeTimeout = 5 * time.Second

// proof is what role signs for the connection whose nonces are m and w.
func proof(secret, role string, m, w []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(role))
	h.Write(m)
	h.Write(w)
	return h.Sum(nil)
}

func nonce() []byte {
	b := make([]byte, nonceLen)
	rand.Read(b)
	return b
}

// challenge is the master's side of the handshake; it gives the peer
// timeout in all.
func challenge(c net.Conn, secret string, timeout time.Duration) error {
	c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	nm := nonce()
	if _, err := c.Write(append(bytes.Clone(greeting), nm...)); err != nil {
		return err
	}
	nw := make([]byte, nonceLen)
	if _, err := io.ReadFull(c, nw); err != nil {
		return err
	}
	if _, err := c.Write(proof(secret, "master", nm, nw)); err != nil {
		return err
	}
	got := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	ok := hmac.Equal(got, proof(secret, "worker", nm, nw))
	verdict := []byte{0}
	if ok {
		verdict[0] = 1
	}
	if _, err := c.Write(verdict); err != nil {
		return err
	}
	if !ok {
		return errDenied
	}
	return nil
}

// answer is the worker's side.
func answer(c net.Conn, secret string, timeout time.Duration) error {
	c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	hello := make([]byte, len(greeting)+nonceLen)
	if _, err := io.ReadFull(c, hello); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) || hungUp(err) {
			return fmt.Errorf("%w: %v", errNotMaster, err)
		}
		return err
	}
	if !bytes.Equal(hello[:len(greeting)], greeting) {
		return errNotMaster
	}
	nm, nw := hello[len(greeting):], nonce()
	if _, err := c.Write(nw); err != nil {
		return err
	}
	got := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("%w: %v", errNoProof, err)
	}
	if !hmac.Equal(got, proof(secret, "master", nm, nw)) {
		return errNoProof
	}
	if _, err := c.Write(proof(secret, "worker", nm, nw)); err != nil {
		return err
	}
	verdict := make([]byte, 1)
	if _, err := io.ReadFull(c, verdict); err != nil {
		return err
	}
	if verdict[0] != 1 {
		return errDenied
	}
	return nil
}

// dial connects and authenticates.
func dial(addr, secret string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if err := answer(c, secret, timeout); err != nil {
		c.Close()
		return nil, fmt.Errorf("dist: %s: %w", addr, err)
	}
	return c, nil
}

// A pair is two u64s, the unit of every Go queue frame: a task (seq, arg)
// or a result (seq, value).
type pair struct{ a, b uint64 }

func putPair(buf []byte, p pair) {
	binary.LittleEndian.PutUint64(buf, p.a)
	binary.LittleEndian.PutUint64(buf[8:], p.b)
}

func getPair(buf []byte) pair {
	return pair{binary.LittleEndian.Uint64(buf), binary.LittleEndian.Uint64(buf[8:])}
}

// tcpServer accepts authenticated connections and hands each to serve on its
// own goroutine; close ends the listener and every connection and waits for
// the goroutines.
type tcpServer struct {
	ln        net.Listener
	secret    string
	handshake time.Duration
	serve     func(net.Conn)
	mu        sync.Mutex
	conns     map[net.Conn]bool // true once let in
	letIn     *atomic.Int64     // connections open and let in
	wg        sync.WaitGroup
	closed    bool
}

// listen serves addr; letIn counts the connections open and let in.
func listen(addr, secret string, handshake time.Duration, letIn *atomic.Int64, serve func(net.Conn)) (*tcpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dist: listen: %w", err)
	}
	s := &tcpServer{ln: ln, secret: secret, handshake: handshake, serve: serve, conns: map[net.Conn]bool{}, letIn: letIn}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *tcpServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = false
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer s.drop(c)
			if challenge(c, s.secret, s.handshake) != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.letIn.Add(1)
			s.mu.Unlock()
			s.serve(c)
		}()
	}
}

func (s *tcpServer) drop(c net.Conn) {
	s.mu.Lock()
	if s.conns[c] {
		s.letIn.Add(-1)
	}
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *tcpServer) addr() string { return s.ln.Addr().String() }

// clients is how many open connections have been let in: a port scan, a
// health check or a peer still in its handshake is not a worker.
func (s *tcpServer) clients() int { return int(s.letIn.Load()) }

func (s *tcpServer) close() {
	s.mu.Lock()
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
