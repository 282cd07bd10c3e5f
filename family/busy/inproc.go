package busy

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concbench/concbench/model"
)

// inProc is the goroutine and thread models' crew.
type inProc struct {
	halt   atomic.Bool
	wg     sync.WaitGroup
	counts []Count
	xs     []uint64
}

// startInProc returns once every worker has said it is ready (about to
// spin).
func startInProc(k model.Kind, n int, fault string) *inProc {
	p := &inProc{counts: make([]Count, n), xs: make([]uint64, n)}
	p.wg.Add(n)
	for i := range n {
		model.GoReady(k, func(ready func()) {
			defer p.wg.Done()
			ready()
			x, chunks, t0 := uint64(i), uint64(0), time.Now()
			for !p.halt.Load() {
				x = step(x)
				chunks++
			}
			p.counts[i] = Count{Iters: chunks * Chunk, Elapsed: time.Since(t0)}
			if fault == "count" && i == 0 {
				p.counts[i].Iters += Chunk
			}
			p.xs[i] = x
		})
	}
	return p
}

func (p *inProc) stop() ([]Count, error) {
	p.halt.Store(true)
	p.wg.Wait()
	var errs []error
	for i, c := range p.counts {
		errs = append(errs, verify(i, uint64(i), p.xs[i], c.Iters, Chunk))
	}
	return p.counts, errors.Join(errs...)
}

func (p *inProc) kill() {
	p.halt.Store(true)
	p.wg.Wait()
}
