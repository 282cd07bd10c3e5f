package dist

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// The Go queues' connections start as Python's managers do: the server
// sends a random challenge, the client answers with its HMAC under the
// shared secret (the seeds' authkey), and the server says yes or no. The
// secret never crosses the wire.

const nonceLen = 16

var errDenied = errors.New("authentication failed: wrong secret")

func mac(secret string, nonce []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(nonce)
	return m.Sum(nil)
}

// challenge is the server side; it gives a client HandshakeTimeout.
func challenge(c net.Conn, secret string) error {
	c.SetDeadline(time.Now().Add(HandshakeTimeout))
	defer c.SetDeadline(time.Time{})
	nonce := make([]byte, nonceLen)
	rand.Read(nonce)
	if _, err := c.Write(nonce); err != nil {
		return err
	}
	got := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	ok := hmac.Equal(got, mac(secret, nonce))
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

// answer is the client side.
func answer(c net.Conn, secret string) error {
	c.SetDeadline(time.Now().Add(HandshakeTimeout))
	defer c.SetDeadline(time.Time{})
	nonce := make([]byte, nonceLen)
	if _, err := io.ReadFull(c, nonce); err != nil {
		return err
	}
	if _, err := c.Write(mac(secret, nonce)); err != nil {
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

// HandshakeTimeout bounds the authentication exchange.
var HandshakeTimeout = 5 * time.Second

// dial connects and authenticates.
func dial(addr, secret string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, HandshakeTimeout)
	if err != nil {
		return nil, err
	}
	if err := answer(c, secret); err != nil {
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
	ln     net.Listener
	secret string
	serve  func(net.Conn)
	mu     sync.Mutex
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
	closed bool
}

func listen(addr, secret string, serve func(net.Conn)) (*tcpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dist: listen: %w", err)
	}
	s := &tcpServer{ln: ln, secret: secret, serve: serve, conns: map[net.Conn]bool{}}
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
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer s.drop(c)
			if challenge(c, s.secret) == nil {
				s.serve(c)
			}
		}()
	}
}

func (s *tcpServer) drop(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *tcpServer) addr() string { return s.ln.Addr().String() }

// clients is how many connections are open (authenticated or about to be).
func (s *tcpServer) clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

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
