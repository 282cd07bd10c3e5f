package pool

import (
	"slices"
	"strings"
	"testing"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/workloads"
	"go.uber.org/goleak"
)

// TestModesOnRealPools runs every mode and a range of chunk sizes on real
// goroutine and thread pools: every item comes back exactly once, its fold
// is right, and map and imap hand results back in item order.
func TestModesOnRealPools(t *testing.T) {
	defer goleak.VerifyNone(t)
	spec := workloads.Spec{Kernel: "noop"}
	answers, err := workloads.Answers(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []model.Model{model.Goroutine{}, model.Thread{}} {
		p, err := Start(m, spec, 3, Options{Deliver: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := New(p, 3)
		if err != nil {
			t.Fatal(err)
		}
		var seq uint64
		for _, mode := range Modes() {
			for _, tc := range []struct{ n, chunk int }{{1, 1}, {10, 1}, {100, 8}, {100, 512}, {1000, 64}, {7, 3}} {
				var items, fold uint64
				var starts []uint64
				err := r.Run(mode, seq, tc.n, tc.chunk, func(res model.Result) {
					items += uint64(res.N)
					fold += res.Fold
					starts = append(starts, res.Seq)
				})
				if err != nil {
					t.Fatalf("%s %s n=%d chunk=%d: %v", m.Name(), mode, tc.n, tc.chunk, err)
				}
				want := model.Expected(answers, model.Task{Seq: seq, N: tc.n})
				if items != uint64(tc.n) || fold != want {
					t.Errorf("%s %s n=%d chunk=%d: %d items, fold %#x; want %d, %#x", m.Name(), mode, tc.n, tc.chunk, items, fold, tc.n, want)
				}
				if mode != Unordered && !slices.IsSorted(starts) {
					t.Errorf("%s %s n=%d chunk=%d: results out of item order: %v", m.Name(), mode, tc.n, tc.chunk, starts)
				}
				seq += uint64(tc.n)
			}
		}
		if err := Close(p); err != nil {
			t.Errorf("%s: Close: %v", m.Name(), err)
		}
	}
}

// fake is a pool that answers every task at once, but holds them back and
// releases them in reverse order in groups of hold, and can break a result.
type fake struct {
	results chan model.Result
	failed  chan struct{}
	held    []model.Result
	hold    int
	mangle  func(*model.Result) bool // true: also deliver it a second time
}

func newFake(hold int) *fake {
	return &fake{results: make(chan model.Result, 1024), failed: make(chan struct{}), hold: hold}
}

func (f *fake) Submit(seq uint64, n int) error {
	res := model.Result{Task: model.Task{Seq: seq, N: n}, Fold: seq}
	dup := false
	if f.mangle != nil {
		dup = f.mangle(&res)
	}
	f.held = append(f.held, res)
	if dup {
		f.held = append(f.held, res)
	}
	if len(f.held) >= f.hold {
		for i := len(f.held) - 1; i >= 0; i-- {
			f.results <- f.held[i]
		}
		f.held = f.held[:0]
	}
	return nil
}
func (f *fake) Results() <-chan model.Result { return f.results }
func (f *fake) Failed() <-chan struct{}      { return f.failed }
func (f *fake) Err() error                   { return errFake }

var errFake = &fakeErr{}

type fakeErr struct{}

func (*fakeErr) Error() string { return "worker 1 died" }

func TestOrderUnderReordering(t *testing.T) {
	for _, tc := range []struct {
		mode Mode
		want []uint64
	}{
		{Map, []uint64{0, 2, 4, 6, 8, 10, 12, 14}},
		{IMap, []uint64{0, 2, 4, 6, 8, 10, 12, 14}},
		{Unordered, []uint64{6, 4, 2, 0, 14, 12, 10, 8}},
	} {
		f := newFake(4) // 2 workers: window 4, so groups of 4 come back reversed
		r, err := New(f, 2)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		if err := r.Run(tc.mode, 0, 16, 2, func(res model.Result) { got = append(got, res.Seq) }); err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: results for items %v, want %v", tc.mode, got, tc.want)
		}
	}
}

// TestBrokenPoolFails proves Run notices what the pool itself cannot: a
// chunk delivered twice, a result for items outside the batch or of the
// wrong length, and a pool that failed.
func TestBrokenPoolFails(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func(*model.Result) bool
		failed bool
		want   string
	}{
		{"duplicate", func(r *model.Result) bool { return r.Seq == 8 }, false, "chunk 2 (items 8+4) delivered twice"},
		{"wrong length", func(r *model.Result) bool {
			if r.Seq == 4 {
				r.N = 3
			}
			return false
		}, false, "result for items 4+3 is no chunk of batch 0+16 (chunk 4)"},
		{"outside batch", func(r *model.Result) bool {
			if r.Seq == 12 {
				r.Seq = 16
			}
			return false
		}, false, "result for items 16+4 is no chunk"},
		{"failed pool", nil, true, "worker 1 died"},
	} {
		for _, mode := range Modes() {
			f := newFake(1)
			f.mangle = tc.mangle
			if tc.failed {
				close(f.failed)
				f.results = make(chan model.Result) // nothing ever arrives
			}
			r, err := New(f, 2)
			if err != nil {
				t.Fatal(err)
			}
			if tc.failed {
				f.hold = 1 << 30 // never release: Run must not hang
			}
			err = r.Run(mode, 0, 16, 4, func(model.Result) {})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %s: Run error %v, want one containing %q", tc.name, mode, err, tc.want)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	f := newFake(1)
	r, _ := New(f, 1)
	if err := r.Run(Map, 0, 10, 0, func(model.Result) {}); err == nil || !strings.Contains(err.Error(), "chunk 0") {
		t.Errorf("chunk 0: error %v, want one naming it", err)
	}
	if err := r.Run("starmap", 0, 10, 1, func(model.Result) {}); err == nil || !strings.Contains(err.Error(), "starmap") {
		t.Errorf("unknown mode: error %v, want one naming it", err)
	}
	p, err := Start(model.Goroutine{}, workloads.Spec{Kernel: "noop"}, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := New(p, 1); err == nil || !strings.Contains(err.Error(), "Deliver") {
		t.Errorf("pool without Deliver: error %v, want one saying so", err)
	}
}

// TestCloseReportsStrays: a result nobody collected is an error, and
// Close does not hang on it.
func TestCloseReportsStrays(t *testing.T) {
	defer goleak.VerifyNone(t)
	p, err := Start(model.Goroutine{}, workloads.Spec{Kernel: "noop"}, 2, Options{Deliver: true})
	if err != nil {
		t.Fatal(err)
	}
	// Two, the Results buffer of a 2-worker pool: Wait cannot block on an
	// unread result (the pool checks a result before delivering it).
	for i := uint64(0); i < 2; i++ {
		if err := p.Submit(i, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := Close(p); err == nil || !strings.Contains(err.Error(), "results were never collected") {
		t.Errorf("Close error %v, want stray results reported", err)
	}
}

// TestRunDoesNotAllocate: once its buffers have grown, a Run allocates
// nothing, so a benchmark's timed loop measures the pool, not the Runner.
func TestRunDoesNotAllocate(t *testing.T) {
	defer goleak.VerifyNone(t)
	p, err := Start(model.Goroutine{}, workloads.Spec{Kernel: "noop"}, 2, Options{Deliver: true})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(p)
	r, err := New(p, 2)
	if err != nil {
		t.Fatal(err)
	}
	var items uint64
	yield := func(res model.Result) { items += uint64(res.N) }
	for _, mode := range Modes() {
		var seq uint64
		allocs := testing.AllocsPerRun(50, func() {
			if err := r.Run(mode, seq, 256, 8, yield); err != nil {
				t.Fatal(err)
			}
			seq += 256
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per Run, want 0", mode, allocs)
		}
	}
}
