package ipc

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/leakcheck"
)

// The shared-memory handshake, hammered: short round trips as fast as both
// ends go, each of which sends an end to sleep in FUTEX_WAIT whenever the
// other is late. A wake-up is lost only when one side's "set my word, look
// at the index" overlaps the other's "move the index, look at the word",
// within a few instructions; the measuring end's spin is redrawn before every
// round trip, from 0 to 32 Ki polls on a log scale, so that its move to the
// futex lands across the whole range of the peer's reply times (a spinning
// peer answers within a poll or two, a sleeping one after a futex wake-up).
// A lost wake-up leaves both ends asleep for good; the watchdog turns that
// into a failure that names the case within stressStall, and wakes both
// ends, instead of a test that hangs until go test's -timeout.
const (
	stressFor     = 500 * time.Millisecond // per case; six cases
	stressStall   = 2 * time.Second        // no round trip for this long: lost
	stressSpinLog = 15                     // spin is below 1<<k, k below this
)

func TestShmNoLostWakeup(t *testing.T) {
	for _, tr := range []string{"shm", "shm-spin"} {
		for _, p := range []Peer{Goroutine, Thread, Process} {
			s := Spec{Transport: tr, Peer: p, Pattern: PingPong, Size: 8}
			t.Run(s.String(), func(t *testing.T) {
				before := leakcheck.Take()
				stress(t, s)
				if err := leakcheck.Check(before); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// stress runs round trips for stressFor under a watchdog, then checks that
// the peer verified every frame.
func stress(t *testing.T, s Spec) {
	if s.Locked() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	ss, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	var (
		n     atomic.Uint64
		wg    sync.WaitGroup
		stop  = make(chan struct{})
		stuck = make(chan uint64, 1)
	)
	c := ss.raw.(*shmConn)
	wg.Go(func() { watchdog(c, &n, stop, stuck) })
	rng := rand.New(rand.NewPCG(1, 2))
	for end := time.Now().Add(stressFor); time.Now().Before(end); {
		c.spin = rng.IntN(1 << rng.IntN(stressSpinLog))
		if err = ss.RoundTrip(); err != nil {
			break
		}
		n.Add(1)
	}
	close(stop)
	wg.Wait()
	select {
	case k := <-stuck:
		then := "the round trip then ended: its frame had been waiting in the ring"
		if err != nil {
			then = "then: " + err.Error()
		}
		t.Fatalf("lost wake-up: no round trip ended for %v after %d, both ends asleep in FUTEX_WAIT; shut down to wake them, %s", stressStall, k, then)
	default:
	}
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ss.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Frames != n.Load() {
		t.Errorf("peer verified %d frames, %d round trips ended", rep.Frames, n.Load())
	}
	t.Logf("%d round trips", n.Load())
}

// watchdog shuts c down, which wakes both ends, when n has not moved for
// stressStall, and says at which count on stuck. It returns then or when
// stop closes.
func watchdog(c *shmConn, n *atomic.Uint64, stop <-chan struct{}, stuck chan<- uint64) {
	tick := time.NewTicker(stressStall / 20)
	defer tick.Stop()
	last, since := n.Load(), time.Now()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if cur := n.Load(); cur != last {
			last, since = cur, time.Now()
		} else if time.Since(since) >= stressStall {
			stuck <- cur
			c.shutdown()
			return
		}
	}
}
