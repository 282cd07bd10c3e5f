package model_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/concbench/concbench/family/pool"
	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
	"github.com/concbench/concbench/workloads"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

func TestPoolVerifiesEveryModel(t *testing.T) {
	echo, err := workloads.StartEcho()
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	specs := []workloads.Spec{
		{Kernel: "noop"}, {Kernel: "busyloop"}, {Kernel: "sha256"}, {Kernel: "memwalk"},
		{Kernel: "sleep"}, {Kernel: "fsync", Param: t.TempDir()}, {Kernel: "tcp", Param: echo.Addr()},
	}
	for _, m := range model.All() {
		for _, s := range specs {
			for _, chunk := range []int{1, 7} {
				t.Run(fmt.Sprintf("model=%s/kernel=%s/chunk=%d", m.Name(), s.Kernel, chunk), func(t *testing.T) {
					before := leakcheck.Take()
					p, err := pool.Start(m, s, 3, pool.Options{})
					if err != nil {
						t.Fatal(err)
					}
					const tasks = 20
					for i := uint64(0); i < tasks; i++ {
						if err := p.Submit(i*uint64(chunk), chunk); err != nil {
							t.Fatal(err)
						}
					}
					if err := p.Wait(); err != nil {
						t.Fatal(err)
					}
					if err := p.Close(); err != nil {
						t.Fatal(err)
					}
					if got := p.Checked(); got != tasks {
						t.Errorf("checked %d results, want %d", got, tasks)
					}
					if u := p.Usage(); (m.Name() == "process") != (u.CPUNanos > 0) {
						t.Errorf("child usage %+v: want non-zero only for process", u)
					}
					if err := leakcheck.Check(before); err != nil {
						t.Error(err)
					}
				})
			}
		}
	}
}

func TestDeliverStreamsVerifiedResults(t *testing.T) {
	p, err := pool.Start(model.Goroutine{}, workloads.Spec{Kernel: "noop"}, 2, pool.Options{Deliver: true})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := uint64(0); i < 10; i++ {
			p.Submit(i, 1)
		}
		p.Wait()
		p.Close()
	}()
	seen := map[uint64]bool{}
	for r := range p.Results() {
		seen[r.Seq] = true
	}
	if len(seen) != 10 {
		t.Errorf("delivered %d distinct tasks, want 10", len(seen))
	}
}

// A broken worker must fail the run with a message that says what broke,
// and leave nothing running.
func TestProcessFaultsFail(t *testing.T) {
	for _, tc := range []struct{ fault, want string }{
		{"checksum", "returned checksum"},
		{"die", "died during task"},
		{"truncate", "truncated frame"},
	} {
		t.Run("fault="+tc.fault, func(t *testing.T) {
			before := leakcheck.Take()
			p, err := pool.Start(faulty(tc.fault), workloads.Spec{Kernel: "noop"}, 1, pool.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i := uint64(0); i < 10 && err == nil; i++ {
				err = p.Submit(i, 1)
			}
			if err == nil {
				err = p.Wait()
			}
			cerr := p.Close()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
			if cerr == nil {
				t.Error("Close returned nil after a failure")
			}
			if !strings.Contains(err.Error(), "process pool") {
				t.Errorf("error %q does not name the model", err)
			}
			if err := leakcheck.Check(before); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSpawn(t *testing.T) {
	want, err := workloads.Answers(workloads.Spec{Kernel: "noop"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range model.All() {
		t.Run("model="+m.Name(), func(t *testing.T) {
			before := leakcheck.Take()
			for arg := uint64(0); arg < 3; arg++ {
				got, err := m.Spawn(workloads.Spec{Kernel: "noop"}, arg)
				if err != nil {
					t.Fatal(err)
				}
				if got != want[arg] {
					t.Errorf("spawn(%d) = %#x, want %#x", arg, got, want[arg])
				}
			}
			if err := leakcheck.Check(before); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestUnknownRoleAndModel(t *testing.T) {
	if _, err := model.ByName("fiber"); err == nil || !strings.Contains(err.Error(), "fiber") {
		t.Errorf("ByName(fiber) error = %v", err)
	}
	c, err := proc.Start("no-such-role", proc.Options{})
	if err == nil {
		c.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "unknown role") {
		t.Errorf("child with unknown role: Start error = %v, want exit status naming the role", err)
	}
}
