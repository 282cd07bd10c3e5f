package ipc_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/concbench/concbench/family/ipc"
	"github.com/concbench/concbench/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

// specs is every transport × peer × pattern × size.
func specs() []ipc.Spec {
	var out []ipc.Spec
	for _, t := range ipc.Transports() {
		for _, p := range ipc.Peers(t) {
			for _, pat := range []ipc.Pattern{ipc.PingPong, ipc.Stream} {
				for _, size := range ipc.Sizes {
					out = append(out, ipc.Spec{Transport: t, Peer: p, Pattern: pat, Size: size})
				}
			}
		}
	}
	return out
}

// run drives a session the way the benchmark does: n round trips or frames,
// then Finish.
func run(s ipc.Spec, n int) (ipc.Report, error) {
	if s.Locked() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	ss, err := ipc.Open(s)
	if err != nil {
		return ipc.Report{}, err
	}
	defer ss.Close()
	for range n {
		if s.Pattern == ipc.PingPong {
			err = ss.RoundTrip()
		} else {
			err = ss.Send()
		}
		if err != nil {
			return ipc.Report{}, err
		}
	}
	rep, err := ss.Finish()
	if err != nil {
		return rep, err
	}
	return rep, ss.Close()
}

func TestEveryTransportPeerAndSize(t *testing.T) {
	for _, s := range specs() {
		t.Run(s.String(), func(t *testing.T) {
			before := leakcheck.Take()
			n := 50
			if s.Size >= 64<<10 {
				n = 5 // with a 1 MiB frame, a stream wraps the 2 MiB ring
			}
			rep, err := run(s, n)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Frames != uint64(n) {
				t.Errorf("peer verified %d frames, want %d", rep.Frames, n)
			}
			if (s.Peer == ipc.Process) != (rep.CPUNanos > 0) {
				t.Errorf("child CPU %d ns: want > 0 only for a process peer", rep.CPUNanos)
			}
			if err := leakcheck.Check(before); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestFaultsFailNamingTransport proves that the session, the very code the
// benchmark calls, notices a lost, repeated or corrupted frame and says which
// transport it was. A stream loses, repeats or flips frames on the sending
// side (the peer notices, the sender learns it from Send or Finish);
// pingpong repeats or flips replies on the receiving side. (A frame lost in
// pingpong is a round trip that never ends, not a wrong answer; go test's
// -timeout is what catches that.)
func TestFaultsFailNamingTransport(t *testing.T) {
	for _, tr := range ipc.Transports() {
		for _, p := range ipc.Peers(tr) {
			for _, c := range []struct {
				pat  ipc.Pattern
				kind string
			}{
				{ipc.Stream, "drop"}, {ipc.Stream, "dup"}, {ipc.Stream, "flip"},
				{ipc.PingPong, "dup"}, {ipc.PingPong, "flip"},
			} {
				for _, size := range []int{8, 4096} {
					s := ipc.Spec{Transport: tr, Peer: p, Pattern: c.pat, Size: size}
					t.Run(s.String()+"/fault="+c.kind, func(t *testing.T) {
						before := leakcheck.Take()
						s.Wrap = func(conn ipc.Conn) ipc.Conn {
							return &ipc.Fault{Conn: conn, Kind: c.kind, OnRecv: c.pat == ipc.PingPong, K: 5}
						}
						_, err := run(s, 20)
						if err == nil {
							t.Fatalf("%s of frame 5 went unnoticed", c.kind)
						}
						want := map[string]string{"drop": "lost", "dup": "duplicated", "flip": "corrupted"}[c.kind]
						if size == 8 && c.kind == "flip" {
							want = "" // the flip hits the check word: a checksum or sequence error
						}
						msg := err.Error()
						t.Log(msg)
						if !strings.Contains(msg, "transport="+tr+"/") || !strings.Contains(msg, want) {
							t.Errorf("error does not name the transport and %q: %v", want, err)
						}
						if err := leakcheck.Check(before); err != nil {
							t.Error(err)
						}
					})
				}
			}
		}
	}
}

func TestOpenRejectsBadSpecs(t *testing.T) {
	for _, c := range []struct {
		s    ipc.Spec
		want string
	}{
		{ipc.Spec{Transport: "carrier-pigeon", Peer: ipc.Goroutine, Pattern: ipc.PingPong, Size: 8}, "unknown transport"},
		{ipc.Spec{Transport: "chan-buffered", Peer: ipc.Process, Pattern: ipc.PingPong, Size: 8}, "cannot reach another process"},
		{ipc.Spec{Transport: "os-pipe", Peer: ipc.Goroutine, Pattern: ipc.PingPong, Size: 12}, "multiple of 8"},
		{ipc.Spec{Transport: "os-pipe", Peer: "fiber", Pattern: ipc.PingPong, Size: 8}, "unknown peer"},
		{ipc.Spec{Transport: "os-pipe", Peer: ipc.Goroutine, Pattern: "broadcast", Size: 8}, "unknown pattern"},
	} {
		ss, err := ipc.Open(c.s)
		if err == nil {
			ss.Close()
			t.Errorf("%v: opened", c.s)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.s, err, c.want)
		}
	}
}

func TestCalibrateBatchesOnlyFastTransports(t *testing.T) {
	ss, err := ipc.Open(ipc.Spec{Transport: "pipe-raw", Peer: ipc.Process, Pattern: ipc.PingPong, Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	k, err := ss.Calibrate()
	if err != nil {
		t.Fatal(err)
	}
	if k != 1 {
		t.Errorf("a process round trip over a pipe batched by %d; clock costs %v", k, ipc.ClockCost())
	}
	if err := ss.Mark(); err != nil {
		t.Fatal(err)
	}
	for range 7 {
		if err := ss.RoundTrip(); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := ss.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Frames != 7 || rep.Ctxsw < 7 {
		t.Errorf("since the mark: %d frames, %d child context switches; want 7 and at least 7", rep.Frames, rep.Ctxsw)
	}
	if err := ss.Close(); err != nil {
		t.Error(err)
	}
}

func TestWrongCallForPatternFails(t *testing.T) {
	for _, c := range []struct {
		pat  ipc.Pattern
		call func(*ipc.Session) error
	}{
		{ipc.Stream, (*ipc.Session).RoundTrip},
		{ipc.PingPong, (*ipc.Session).Send},
	} {
		ss, err := ipc.Open(ipc.Spec{Transport: "pipe-raw", Peer: ipc.Goroutine, Pattern: c.pat, Size: 8})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.call(ss); err == nil || !strings.Contains(err.Error(), "on a "+string(c.pat)+" session") {
			t.Errorf("%s session: wrong call gave %v", c.pat, err)
		}
		if err := ss.Close(); err != nil {
			t.Error(err)
		}
	}
}
