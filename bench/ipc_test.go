package bench

import (
	"runtime"
	"testing"
	"time"

	"github.com/concbench/concbench/ipc"
	"github.com/concbench/concbench/model"
)

func init() {
	declareUnit("p50-ns", "better=lower")
	declareUnit("p99-ns", "better=lower")
	declareUnit("p999-ns", "better=lower")
	declareUnit("rt/sample", "assume=exact")
}

// BenchmarkIPC answers the seeds' Queue and Pipe: what does each way of
// talking cost, between goroutines, locked threads and processes?
//
// pattern=pingpong: one op = one round trip (send a frame of size bytes,
// wait for the peer to echo it, verify seq and checksum), not a one-way
// trip. p50-ns, p99-ns and p999-ns come from a histogram of timed round
// trips; where a round trip is under 50 clock reads, batches of rt/sample
// round trips are timed and their average recorded (rt/sample says how many).
//
// pattern=stream: one op = one frame sent one way; the peer verifies every
// frame and the count at the end, and waiting for that is timed, so B/s is
// delivered, verified bytes.
//
// Both report cpu-ns/op and ctxsw/op for both ends together: this process,
// plus a child peer's own getrusage, which it sends back at the end.
func BenchmarkIPC(b *testing.B) {
	for _, pat := range []ipc.Pattern{ipc.PingPong, ipc.Stream} {
		for _, tr := range ipc.Transports() {
			for _, peer := range ipc.Peers(tr) {
				for _, size := range ipc.Sizes {
					s := ipc.Spec{Transport: tr, Peer: peer, Pattern: pat, Size: size}
					name := "pattern=" + string(pat) + "/transport=" + tr + "/peer=" + string(peer) + "/size=" + ipc.SizeName(size)
					b.Run(name, func(b *testing.B) { benchIPC(b, s) })
				}
			}
		}
	}
}

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
		k, err := ss.Calibrate()
		if err != nil {
			b.Fatal(err)
		}
		h := new(ipc.Hist)
		per := time.Duration(k)
		if err := ss.Mark(); err != nil {
			b.Fatal(err)
		}
		mt = startMeter()
		// The clock starts inside the first iteration: b.Loop's first call
		// resets the timer, which reads memory statistics (a stop-the-world)
		// that is no part of a round trip.
		i, t0, first := 0, time.Time{}, true
		for b.Loop() {
			if first {
				t0, first = time.Now(), false
			}
			if err := ss.RoundTrip(); err != nil {
				b.Fatal(err)
			}
			if i++; i == k {
				t := time.Now()
				h.Record(t.Sub(t0) / per)
				i, t0 = 0, t
			}
		}
		if i > 0 { // a last, partial batch (all there is when b.N < k)
			h.Record(time.Since(t0) / time.Duration(i))
		}
		if rep, err = ss.Finish(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(h.Quantile(0.50), "p50-ns")
		b.ReportMetric(h.Quantile(0.99), "p99-ns")
		b.ReportMetric(h.Quantile(0.999), "p999-ns")
		b.ReportMetric(float64(k), "rt/sample")
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
