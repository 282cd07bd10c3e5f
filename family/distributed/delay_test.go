package distributed

import (
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/netns"
)

// dialFrom connects to addr from inside namespace ns.
func dialFrom(ns, addr string) (net.Conn, error) {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res)
	go func() { // its thread stays in ns and ends with it
		if err := netns.Join(ns); err != nil {
			ch <- res{nil, err}
			return
		}
		c, err := net.Dial("tcp", addr)
		ch <- res{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// pingPong measures n round trips of 8 bytes through an echo server at
// addr, from host 0, and returns their median, the kernel's own min_rtt of
// the client's connection, and the master side's (Hosts.LinkRTT).
func pingPong(t *testing.T, h *netns.Hosts, addr string, n int) (app, kernel, link time.Duration) {
	t.Helper()
	c, err := dialFrom(h.Hosts[0].NS, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var lat []time.Duration
	buf := make([]byte, 8)
	for range n {
		t0 := time.Now()
		if _, err := c.Write(buf); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	raw, _ := c.(*net.TCPConn).SyscallConn()
	var info *unix.TCPInfo
	raw.Control(func(fd uintptr) { info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
	if err != nil {
		t.Fatal(err)
	}
	if link, err = h.LinkRTT(1); err != nil {
		t.Fatal(err)
	}
	return lat[len(lat)/2], time.Duration(info.Min_rtt) * time.Microsecond, link
}

// rtt=1ms is a link: every packet waits, the kernel's ACKs too, so TCP's
// own round-trip estimate (min_rtt, at both ends) is the round trip, within
// 10% plus what the same path measures without the delay in the same run.
// (A user-space forwarder that delays data only left it at tens of µs.)
func TestDelayIsALink(t *testing.T) {
	if err := deps.Check(deps.Namespaces...); err != nil {
		t.Skip(err)
	}
	h, err := netns.Create(1)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ln, err := net.Listen("tcp", net.JoinHostPort(h.Master, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	conns := make(chan net.Conn, 2)
	defer func() { // the echo server's ends, which a namespace's end does not reset
		ln.Close()
		for range len(conns) {
			(<-conns).Close()
		}
		wg.Wait()
	}()
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
			// Not io.Copy: its splice(2) keeps a pipe pool open past the test.
			wg.Go(func() { io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 64)) })
		}
	})
	app0, kernel0, link0 := pingPong(t, h, ln.Addr().String(), 200)
	const rtt = time.Millisecond
	d, err := startDelay(h, 1, rtt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w0, err := h.WireBytes(1)
	if err != nil {
		t.Fatal(err)
	}
	app, kernel, link := pingPong(t, h, ln.Addr().String(), 200)
	// The bytes take the delay line, not the veth, and are counted there:
	// 400 packets of 8 bytes, each with 40 bytes of IP and TCP headers at
	// least.
	if w1, err := h.WireBytes(1); err != nil || w1-w0 < 400*48 {
		t.Errorf("wire bytes across the delayed link: %d (%v), want at least %d", w1-w0, err, 400*48)
	}
	t.Logf("no delay: answer median %v, TCP min_rtt: client %v, master %v", app0, kernel0, link0)
	t.Logf("rtt=%v:   answer median %v, TCP min_rtt: client %v, master %v", rtt, app, kernel, link)
	for _, c := range []struct {
		what      string
		got, base time.Duration
	}{{"client's", kernel, kernel0}, {"master's", link, link0}} {
		if c.got < rtt*9/10 || c.got > rtt*11/10+c.base {
			t.Errorf("%s TCP min_rtt %v, want %v ±10%% (+%v measured without delay)", c.what, c.got, rtt, c.base)
		}
	}
	// Each way waits rtt/2 at least; the median answer also waits for two
	// processes' wake-ups, which a busy machine makes long.
	if app < rtt || app > 2*rtt+app0 {
		t.Errorf("answer median %v, want %v to %v", app, rtt, 2*rtt+app0)
	}
	if err := d.Close(); err != nil {
		t.Error(err)
	}
}
