package web

import (
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Open is an open-loop load at a constant rate, by vegeta used as a
// library: requests are sent on the pacer's schedule whether or not the
// earlier ones have been answered, so a slow server shows as latency
// (queueing), not as a slower client. Each Next takes one result and
// checks it as Load does (status 200, the exact body).
type Open struct {
	atk     *vegeta.Attacker
	tr      *http.Transport
	results <-chan *vegeta.Result
	want    map[string][]byte // the right body per URL
	st      Stats
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
	o.atk = vegeta.NewAttacker(vegeta.Client(&http.Client{Transport: o.tr, Timeout: 30 * time.Second}))
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
// connections and returns what the load saw, or the first error.
func (o *Open) Stop() (Stats, error) {
	o.atk.Stop()
	var err error
	for r := range o.results {
		if e := o.check(r); e != nil && err == nil {
			err = e
		}
	}
	o.tr.CloseIdleConnections()
	return o.st, err
}
