package web

import (
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Open is an open-loop load at a constant rate, by vegeta used as a
// library: requests are sent on the pacer's schedule whether or not the
// earlier ones have been answered, so a slow server shows as latency
// (queueing), not as a slower client. Each Next takes one result and
// checks it as Load does (status 200, the exact body).
//
// net/http's Transport sends a GET again by itself when a reused
// connection fails before the answer, at any time; the transport here
// watches each request's connections (httptrace) and holds the same rule
// as Load: a request sent again after its first connection had been idle
// at least IdleRetry counts in Stats.Retries; one sent again after a busy
// connection failed counts in Stats.Lost, and Stop fails with it.
type Open struct {
	atk     *vegeta.Attacker
	tr      *http.Transport
	watch   *retryWatch
	results <-chan *vegeta.Result
	want    map[string][]byte // the right body per URL
	st      Stats
}

// retryWatch is the Open's transport: the real one, with each request's
// connections counted.
type retryWatch struct {
	tr        http.RoundTripper
	retries   atomic.Int64
	lost      atomic.Int64
	firstLost atomic.Pointer[error]
}

func (w *retryWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	var mu sync.Mutex
	var conns []httptrace.GotConnInfo
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		mu.Lock()
		conns = append(conns, i)
		mu.Unlock()
	}}
	resp, err := w.tr.RoundTrip(r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
	mu.Lock()
	defer mu.Unlock()
	if len(conns) < 2 {
		return resp, err
	}
	if first := conns[0]; first.Reused && first.WasIdle && first.IdleTime >= IdleRetry {
		w.retries.Add(1)
		return resp, err
	}
	w.lost.Add(1)
	lost := fmt.Errorf("GET %s: net/http sent it again after its connection failed, a connection that had waited %v for it, not the %v that an idle close needs",
		r.URL, conns[0].IdleTime, IdleRetry)
	w.firstLost.CompareAndSwap(nil, &lost)
	return resp, err
}

// StartOpen starts sending GET path to addr at rate requests per second.
func StartOpen(addr string, p Path, rate int) (*Open, error) {
	want, err := Expected(p)
	if err != nil {
		return nil, err
	}
	o := &Open{want: map[string][]byte{}}
	var urls []string
	for a, body := range want {
		u := "http://" + addr + "/" + string(p)
		if kernelOf(p) != "" {
			u += "?arg=" + strconv.Itoa(a)
		}
		urls = append(urls, u)
		o.want[u] = body
	}
	var next atomic.Uint64
	targeter := func(t *vegeta.Target) error {
		t.Method, t.URL = http.MethodGet, urls[(next.Add(1)-1)%uint64(len(urls))]
		return nil
	}
	// Our own transport, so that Stop can close its idle connections
	// (their goroutines would outlive the run).
	o.tr = &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true}
	o.watch = &retryWatch{tr: o.tr}
	o.atk = vegeta.NewAttacker(vegeta.Client(&http.Client{Transport: o.watch, Timeout: 30 * time.Second}))
	o.results = o.atk.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, 0, "concbench")
	return o, nil
}

// Next waits for one result and checks it.
func (o *Open) Next() error {
	r, ok := <-o.results
	if !ok {
		return fmt.Errorf("web: open-loop attack ended early")
	}
	return o.check(r)
}

func (o *Open) check(r *vegeta.Result) error {
	if r.Error != "" || r.Code != http.StatusOK {
		return fmt.Errorf("web: open-loop GET %s: status %d, error %q, body %q", r.URL, r.Code, r.Error, r.Body)
	}
	if want := o.want[r.URL]; string(r.Body) != string(want) {
		return fmt.Errorf("web: open-loop GET %s: body %q, want %q", r.URL, r.Body, want)
	}
	o.st.Hist.Record(r.Latency)
	o.st.Requests++
	return nil
}

// Stop stops the attack, checks the requests still in flight, closes the
// connections and returns what the load saw, or the first error (a wrong
// answer, or else the requests net/http sent again on a busy connection).
func (o *Open) Stop() (Stats, error) {
	o.atk.Stop()
	var err error
	for r := range o.results {
		if e := o.check(r); e != nil && err == nil {
			err = e
		}
	}
	o.tr.CloseIdleConnections()
	o.st.Retries, o.st.Lost = int(o.watch.retries.Load()), int(o.watch.lost.Load())
	if first := o.watch.firstLost.Load(); err == nil && first != nil {
		err = fmt.Errorf("web: open loop: %d requests lost (answered only when sent again), the first: %w", o.st.Lost, *first)
	}
	return o.st, err
}
