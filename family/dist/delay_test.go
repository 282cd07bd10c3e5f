package dist

import (
	"io"
	"net"
	"slices"
	"testing"
	"time"
)

// The forwarder adds the round trip it is asked for: a ping-pong through it
// takes at least rtt, and not much more.
func TestDelayAddsRTT(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	const rtt = time.Millisecond
	d, addr, err := startDelay("127.0.0.1", ln.Addr().String(), rtt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var lat []time.Duration
	buf := make([]byte, 8)
	for range 50 {
		t0 := time.Now()
		c.Write(buf)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	med := lat[len(lat)/2]
	t.Logf("round trip through the forwarder: median %v, min %v", med, lat[0])
	if lat[0] < rtt || med > rtt*17/10 {
		t.Errorf("round trip median %v (min %v), want about %v", med, lat[0], rtt)
	}
}
