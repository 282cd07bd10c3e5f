package bench

import (
	"encoding/binary"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/concbench/concbench/family/ipc"
	"github.com/concbench/concbench/internal/latency"
	"github.com/concbench/concbench/model"
)

func init() {
	declareUnit("p50-ns", "better=lower")
	declareUnit("p99-ns", "better=lower")
	declareUnit("p999-ns", "better=lower")
	declareUnit("timed-rt", "better=higher") // a count, but it follows b.N: not assume=exact
}

// BenchmarkIPC answers the seeds' Queue and Pipe: what does each way of
// talking cost, between goroutines, locked threads and processes?
//
// pattern=pingpong: one op = one round trip (send a frame of size bytes,
// wait for the peer to echo it, verify seq and checksum), not a one-way
// trip. p50-ns, p99-ns and p999-ns are quantiles of single round trips, each
// timed alone: all of them where a round trip is over 50 clock reads, else
// a random subsample, about one in the power of two that keeps the clock
// under 2% of the loop (Session.Calibrate). timed-rt is how many were timed.
//
// pattern=stream: one op = one frame sent one way; the peer verifies every
// frame and the count at the end, and waiting for that is timed, so B/s is
// delivered, verified bytes.
//
// Both report cpu-ns/op and ctxsw/op for both ends together: this process,
// plus a child peer's own getrusage, which it sends back at the end.
//
// check=bare rows sit beside the cheapest transports (the channels,
// goroutine peer, 8B): the same ping-pong of an [8]byte over the same kind
// of channel between two goroutines, with nothing but the final count
// checked. The default row minus the bare one is the harness's share.
func BenchmarkIPC(b *testing.B) {
	for _, pat := range []ipc.Pattern{ipc.PingPong, ipc.Stream} {
		for _, tr := range ipc.Transports() {
			for _, peer := range ipc.Peers(tr) {
				for _, size := range ipcSizes(pat) {
					s := ipc.Spec{Transport: tr, Peer: peer, Pattern: pat, Size: size}
					b.Run(s.String(), func(b *testing.B) { benchIPC(b, s) })
					if capacity, ok := bareCap[tr]; ok && pat == ipc.PingPong && peer == ipc.Goroutine && size == 8 {
						b.Run(s.String()+"/check=bare", func(b *testing.B) { benchBareChan(b, capacity) })
					}
				}
			}
		}
	}
	// The seeds' Python beside Go (python_test.go).
	runPy(b, pyIPCRows())
}

// ipcSweep are the ping-pong's sizes between ipc.Sizes: 8 B × powers of
// 4, so that the report can find the size at which one transport
// overtakes another (report/answers.go). make report's profile runs a few.
var ipcSweep = []int{32, 128, 2 << 10, 8 << 10, 32 << 10, 128 << 10, 512 << 10}

// ipcSizes are a pattern's sizes, ascending: ipc.Sizes, and for the
// ping-pong the sweep between them.
func ipcSizes(pat ipc.Pattern) []int {
	if pat != ipc.PingPong {
		return ipc.Sizes
	}
	out := slices.Concat(ipc.Sizes, ipcSweep)
	slices.Sort(out)
	return slices.Compact(out)
}

// timeEvery, when > 0, replaces Calibrate's choice of how sparsely to
// time round trips (tests: 1 times every one).
var timeEvery int

// bareCap is the channel capacity of each transport that has a bare row.
var bareCap = map[string]int{"chan-unbuffered": 0, "chan-buffered": ipc.ChanCap}

func benchIPC(b *testing.B, s ipc.Spec) {
	atProcs(b)
	if s.Locked() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	ss, err := ipc.Open(s)
	if err != nil {
		b.Fatal(err)
	}
	defer ss.Close()
	var rep ipc.Report
	var mt meter
	if s.Pattern == ipc.PingPong {
		every, err := ss.Calibrate()
		if err != nil {
			b.Fatal(err)
		}
		if timeEvery > 0 {
			every = timeEvery
		}
		h := new(latency.Hist)
		if err := ss.Mark(); err != nil {
			b.Fatal(err)
		}
		mt = startMeter()
		pingPong(b, ss, h, uint64(every-1))
		if rep, err = ss.Finish(); err != nil {
			b.Fatal(err)
		}
		if h.Count() > 0 { // a short run may have sampled none: no quantile then, not 0
			b.ReportMetric(h.Quantile(0.50), "p50-ns")
			b.ReportMetric(h.Quantile(0.99), "p99-ns")
			b.ReportMetric(h.Quantile(0.999), "p999-ns")
		}
		b.ReportMetric(float64(h.Count()), "timed-rt")
	} else {
		b.SetBytes(int64(s.Size))
		if err := ss.Mark(); err != nil {
			b.Fatal(err)
		}
		mt = startMeter()
		for b.Loop() {
			if err := ss.Send(); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		rep, err = ss.Finish()
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
	}
	if rep.Frames != uint64(b.N) {
		b.Fatalf("ipc %v: peer verified %d frames in the loop, the loop ran %d", s, rep.Frames, b.N)
	}
	mt.stop(b, b.N, model.Usage{CPUNanos: rep.CPUNanos, Ctxsw: rep.Ctxsw})
}

// pingPong is the timed loop: every round trip verified, and the ones a
// xorshift picks (x&mask == 0: one in mask+1 on average, at random, so
// that no periodic stall lines up with the samples) timed alone into h.
func pingPong(b *testing.B, ss *ipc.Session, h *latency.Hist, mask uint64) {
	x := uint64(0x9e3779b97f4a7c15)
	for b.Loop() {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		var err error
		if x&mask == 0 {
			t0 := time.Now()
			err = ss.RoundTrip()
			h.Record(time.Since(t0))
		} else {
			err = ss.RoundTrip()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchBareChan is the mechanism alone: an [8]byte to a goroutine that
// echoes it over a channel of the given capacity, and back. The frame
// carries the op's number; only the last echo is checked.
func benchBareChan(b *testing.B, capacity int) {
	atProcs(b)
	ab, ba := make(chan [8]byte, capacity), make(chan [8]byte, capacity)
	go func() {
		for f := range ab {
			ba <- f
		}
		close(ba)
	}()
	defer func() {
		close(ab)
		for range ba {
		}
	}()
	var f [8]byte
	var i uint64
	mt := startMeter()
	for b.Loop() {
		i++
		binary.LittleEndian.PutUint64(f[:], i)
		ab <- f
		f = <-ba
	}
	mt.stop(b, b.N, model.Usage{})
	if got := binary.LittleEndian.Uint64(f[:]); got != uint64(b.N) {
		b.Fatalf("bare channel ping-pong: last echo %d, want %d", got, b.N)
	}
}

// A transport that loses, repeats or corrupts a frame must make
// BenchmarkIPC fail (testing.Benchmark reports N=0 for a failed benchmark),
// for a peer in this process and for a child; the healthy runs show the
// harness itself passes. The session's own tests check that each error
// names the transport.
func TestIPCFailsOnFault(t *testing.T) {
	for _, c := range []struct {
		tr   string
		peer ipc.Peer
		pat  ipc.Pattern
		kind string
	}{
		{"pipe-raw", ipc.Process, ipc.Stream, "drop"},
		{"pipe-raw", ipc.Process, ipc.Stream, "dup"},
		{"pipe-raw", ipc.Process, ipc.Stream, "flip"},
		{"pipe-raw", ipc.Process, ipc.PingPong, "dup"},
		{"pipe-raw", ipc.Process, ipc.PingPong, "flip"},
		{"chan-buffered", ipc.Goroutine, ipc.Stream, "drop"},
		{"shm", ipc.Process, ipc.PingPong, "flip"},
		{"unix", ipc.Goroutine, ipc.PingPong, "dup"},
		{"pipe-raw", ipc.Process, ipc.PingPong, ""},
		{"chan-buffered", ipc.Goroutine, ipc.Stream, ""},
	} {
		s := ipc.Spec{Transport: c.tr, Peer: c.peer, Pattern: c.pat, Size: 64}
		if c.kind != "" {
			s.Wrap = func(conn ipc.Conn) ipc.Conn {
				return &ipc.Fault{Conn: conn, Kind: c.kind, OnRecv: c.pat == ipc.PingPong, K: 50}
			}
		}
		t.Run(s.String()+"/fault="+c.kind, func(t *testing.T) {
			r := testing.Benchmark(func(b *testing.B) { benchIPC(b, s) })
			switch {
			case c.kind != "" && r.N != 0:
				t.Errorf("a transport that %ss frame 50 completed %d ops; the benchmark must fail", c.kind, r.N)
			case c.kind == "" && r.N == 0:
				t.Error("the healthy transport failed")
			}
		})
	}
}

// stallConn stalls the receipt of the first of every every frames after a
// mark (the timed loop starts right after one), so that whatever the
// count, at least 1 in every of the loop's round trips stalls by d.
type stallConn struct {
	ipc.Conn
	every, n int
	d        time.Duration
}

func (c *stallConn) Send(p []byte) error {
	if binary.LittleEndian.Uint32(p) == 0 { // a mark frame (seq 0)
		c.n = 0
	}
	return c.Conn.Send(p)
}

func (c *stallConn) Recv(p []byte) error {
	if c.n++; c.n%c.every == 1 {
		time.Sleep(c.d)
	}
	return c.Conn.Recv(p)
}

// A stall in 1 of 1,000 round trips must show in p999-ns and leave p50-ns
// where it was: the quantiles are of single round trips, not of averages
// that spread a stall over several. The fastest transport, where the
// harness would sample, is timed at every round trip here (timeEvery), so
// the stalled round trips are exactly 1 in 1,000 of the samples; a random
// subsample holds them in that proportion only on average.
func TestIPCPercentilesSeeOneStallInAThousand(t *testing.T) {
	timeEvery = 1
	defer func() { timeEvery = 0 }()
	s := ipc.Spec{Transport: "chan-unbuffered", Peer: ipc.Goroutine, Pattern: ipc.PingPong, Size: 8}
	healthy := testing.Benchmark(func(b *testing.B) { benchIPC(b, s) })
	const stall = 5 * time.Millisecond
	s.Wrap = func(c ipc.Conn) ipc.Conn { return &stallConn{Conn: c, every: 1000, d: stall} }
	stalled := testing.Benchmark(func(b *testing.B) { benchIPC(b, s) })
	if healthy.N == 0 || stalled.N == 0 {
		t.Fatalf("a run failed: healthy N=%d, stalled N=%d", healthy.N, stalled.N)
	}
	h, st := healthy.Extra, stalled.Extra
	t.Logf("healthy: N=%d timed %.0f p50 %.0f p99 %.0f p999 %.0f ns", healthy.N, h["timed-rt"], h["p50-ns"], h["p99-ns"], h["p999-ns"])
	t.Logf("stalled: N=%d timed %.0f p50 %.0f p99 %.0f p999 %.0f ns", stalled.N, st["timed-rt"], st["p50-ns"], st["p99-ns"], st["p999-ns"])
	if st["timed-rt"] != float64(stalled.N) || st["timed-rt"] < 1000 {
		t.Fatalf("timed %.0f of %d round trips: want every one, at least 1000", st["timed-rt"], stalled.N)
	}
	if st["p999-ns"] < 0.97*float64(stall) {
		t.Errorf("p999 %.0f ns with a %v stall in 1 of 1000 round trips: the stall does not show", st["p999-ns"], stall)
	}
	if h["p999-ns"] >= 0.97*float64(stall) {
		t.Errorf("healthy p999 %.0f ns already at the stall: the machine is too disturbed to tell", h["p999-ns"])
	}
	if st["p50-ns"] > 2*h["p50-ns"] || st["p50-ns"] > float64(stall)/10 {
		t.Errorf("p50 %.0f ns with the stall, %.0f without: a 1-in-1000 stall moved the median", st["p50-ns"], h["p50-ns"])
	}
}
