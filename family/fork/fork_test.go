package fork

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/concbench/concbench/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

// Many forks, from several goroutines at once while the runtime is busy
// (allocating, collecting, preempting): every child must exit 0 and be
// reaped, and the parent must carry on unharmed.
func TestExitUnderLoad(t *testing.T) {
	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Add(1)
	go func() { // garbage and GC cycles while we fork
		defer churn.Done()
		var keep [][]byte
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			keep = append(keep, make([]byte, 64<<10))
			if len(keep) > 64 {
				keep = keep[:0]
				runtime.GC()
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if err := Exit(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	churn.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if kids := leakcheck.Children(); len(kids) != 0 {
		t.Errorf("children left after forks: %v", kids)
	}
}

func TestTouchIsResident(t *testing.T) {
	const n = 64 << 20
	b := Touch(n)
	res, err := Resident(b)
	if err != nil {
		t.Fatal(err)
	}
	if res != n {
		t.Errorf("%d of %d touched bytes resident", res, n)
	}
	after, err := RSS()
	if err != nil {
		t.Fatal(err)
	}
	if after < n {
		t.Errorf("RSS %d after touching %d bytes", after, n)
	}
	// A fork with the big parent still works.
	if err := Exit(); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(b)
	b = nil
	debug.FreeOSMemory()
	freed, err := RSS()
	if err != nil {
		t.Fatal(err)
	}
	if freed > after-n/2 {
		t.Errorf("RSS %d after release, %d while touched: memory not given back", freed, after)
	}
}
