package stop

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

func TestStopConfirmsEveryModel(t *testing.T) {
	type tc struct {
		o      Options
		killed bool
	}
	var cases []tc
	for _, state := range []State{Busy, Blocked} {
		cases = append(cases, tc{o: Options{Model: "goroutine", State: state}}, tc{o: Options{Model: "thread", State: state}})
		cases = append(cases,
			tc{o: Options{Model: "process", State: state, Signal: Term}},
			tc{o: Options{Model: "process", State: state, Signal: Kill}, killed: true})
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("model=%s/state=%s/signal=%s", c.o.Model, c.o.State, c.o.Signal), func(t *testing.T) {
			before := leakcheck.Take()
			for i := 0; i < 5; i++ {
				w, err := Start(c.o)
				if err != nil {
					t.Fatal(err)
				}
				st, err := w.Stop()
				if err != nil {
					t.Fatal(err)
				}
				if st.Killed != c.killed {
					t.Errorf("Killed = %v, want %v", st.Killed, c.killed)
				}
				if err := w.Gone(); err != nil {
					t.Fatal(err)
				}
			}
			if err := leakcheck.Check(before); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A child that ignores SIGTERM is killed after Grace, and Stop says so.
func TestGraceThenKill(t *testing.T) {
	defer func(g time.Duration) { Grace = g }(Grace)
	Grace = 100 * time.Millisecond
	for _, state := range []State{Busy, Blocked} {
		w, err := Start(Options{Model: "process", State: state, IgnoreTerm: true})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		st, err := w.Stop()
		took := time.Since(t0)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Killed {
			t.Errorf("%s child that ignores SIGTERM: Killed = false", state)
		}
		if took < Grace {
			t.Errorf("%s child that ignores SIGTERM stopped after %v, before the %v grace", state, took, Grace)
		}
		if err := w.Gone(); err != nil {
			t.Fatal(err)
		}
	}
}

// A child that does not answer SIGTERM when it should fails the stop loudly.
func TestUnansweredTermFails(t *testing.T) {
	defer func(g time.Duration) { Grace = g }(Grace)
	Grace = 50 * time.Millisecond
	w, err := Start(Options{Model: "process", State: Busy, IgnoreTerm: true})
	if err != nil {
		t.Fatal(err)
	}
	w.(*process).o.IgnoreTerm = false // the parent now expects a clean exit
	_, err = w.Stop()
	if err == nil || !strings.Contains(err.Error(), "did not exit within") {
		t.Fatalf("Stop of a child that ignored SIGTERM: err = %v, want 'did not exit within'", err)
	}
	if err := w.Gone(); err != nil {
		t.Fatal(err)
	}
}

// A child that exits on its own, not through its SIGTERM handler, fails.
func TestWrongExitFails(t *testing.T) {
	w, err := Start(Options{Model: "process", State: Blocked, Signal: Term})
	if err != nil {
		t.Fatal(err)
	}
	p := w.(*process)
	p.c.In.Close()
	p.c.Cmd.Process.Signal(os.Interrupt) // SIGINT: the Go default is to die of it
	// Let it die (a zombie, not yet reaped) before Stop's SIGTERM, which
	// would otherwise race the SIGINT.
	for deadline := time.Now().Add(5 * time.Second); !isZombie(p.pid); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("child %d still running 5s after SIGINT", p.pid)
		}
	}
	_, err = w.Stop()
	if err == nil || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("Stop of a child that died of SIGINT: err = %v, want 'ended ...'", err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Model: "fiber", State: Busy}, `unknown model "fiber"`},
		{Options{Model: "goroutine", State: "dozing"}, `unknown state "dozing"`},
		{Options{Model: "process", State: Busy, Signal: "hup"}, `unknown signal "hup"`},
	} {
		w, err := Start(c.o)
		if w != nil && err != nil {
			t.Errorf("Start(%+v) returned a worker with its error", c.o)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Start(%+v): err = %v, want %q", c.o, err, c.want)
			if err == nil {
				w.Stop()
			}
		}
	}
}

// A busy worker really is busy: it ran at least one chunk before the stop.
func TestBusyWorkerRan(t *testing.T) {
	w, err := Start(Options{Model: "goroutine", State: Busy})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := w.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := w.(*inProc).chunks; n < 2 {
		t.Errorf("busy worker ran %d chunks in 5ms, want many", n)
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
