package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/family/web"
	"github.com/concbench/concbench/internal/deps"
)

func init() {
	declareUnit("req/s", "better=higher")
	declareUnit("server-cpu-ns/req", "better=lower")
	declareUnit("client-cpu-ns/req", "better=lower")
	declareUnit("errors", "better=lower assume=exact")
	declareUnit("retries", "better=lower")
	declareUnit("max-seen", "better=higher")     // follows R (b.N): not exact
	declareUnit("workers-seen", "better=higher") // how far the requests spread
	declareUnit("requests", "better=higher")     // R, follows b.N
	declareUnit("wrk-req/s", "better=higher")
	declareUnit("client-ratio", "better=higher")
	declareUnit("wrk-cpu-ns/req", "better=lower")
}

// webWorkers is the sweep: 1, ncpu, 2×ncpu.
func webWorkers() []int {
	n := runtime.NumCPU()
	if n == 1 {
		return []int{1, 2}
	}
	return []int{1, n, 2 * n}
}

// webConns are the closed-loop client's concurrencies.
var webConns = []int{1, 16, 256}

// startWeb starts a server for a benchmark, skipping with one line that
// names the Debian package when one is missing, and stops it at the end.
func startWeb(b *testing.B, o web.Options) *web.Server {
	s, err := web.Start(o)
	if errors.Is(err, deps.ErrMissing) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	return s
}

// BenchmarkWeb answers the seeds' WSGI chapter for a Go engineer: which
// server model serves HTTP best here, against gunicorn running the same
// app in Flask? One op = one HTTP request, its status and whole body
// checked (any error or wrong body fails the row), from a closed-loop
// client with conns connections.
//
//	server=goroutine  one process, net/http, GOMAXPROCS=workers
//	server=prefork    workers processes at GOMAXPROCS=1 on one inherited socket
//	server=reuseport  workers processes at GOMAXPROCS=1, SO_REUSEPORT each
//	server=gunicorn-* webapp.py under gunicorn, sync or gthread workers
//
// path=hello is a fixed body, path=work the sha256 kernel (CPU-bound),
// path=sleep the 1 ms sleep kernel (IO-bound). req/s is requests over wall
// time; p50/p99/p999-ns are of single requests (all timed); server-cpu-ns/req
// is the server processes' CPU only (children and their descendants, read
// from /proc), client-cpu-ns/req this process's. Client and server share
// the machine's cores. errors counts requests that got no answer (any fails
// the row, so a row shown reads 0), retries those sent once more because
// the server had closed their idle keep-alive connection (see web.IdleRetry).
func BenchmarkWeb(b *testing.B) {
	for _, k := range web.Servers {
		for _, w := range webWorkers() {
			b.Run(webServerName(k, w), func(b *testing.B) {
				s := startWeb(b, web.Options{Server: k, Workers: w})
				for _, p := range web.Paths {
					for _, c := range webConns {
						o := web.LoadOptions{Addr: s.Addr, Path: p, Conns: c}
						b.Run(fmt.Sprintf("path=%s/conns=%d", p, c), func(b *testing.B) { benchWebLoad(b, s.Pids(), o) })
					}
				}
			})
		}
	}
}

// webRun is one closed-loop run's measurements.
type webRun struct {
	st         web.Stats
	wall       time.Duration
	server     int64 // server processes' CPU, ns
	client     int64 // this process's CPU, ns
	failedWith error
}

// runWebLoad runs o's load for as long as b.Loop says and measures it.
func runWebLoad(b *testing.B, pids []int, o web.LoadOptions) webRun {
	l, err := web.NewLoad(o)
	if err != nil {
		b.Fatal(err)
	}
	l.Start()
	srv0, cli0 := web.CPUNanos(pids), selfCPU()
	t0 := time.Now()
	for b.Loop() {
		if !l.Next() {
			break
		}
	}
	// The requests still in flight when b.Loop ends are part of the work:
	// the timer runs until the last answer is in.
	b.StartTimer()
	st, err := l.Stop()
	b.StopTimer()
	r := webRun{st: st, wall: time.Since(t0), server: web.CPUNanos(pids) - srv0, client: selfCPU() - cli0, failedWith: err}
	if err == nil && st.Requests != uint64(b.N) {
		r.failedWith = fmt.Errorf("%d requests answered, %d sent", st.Requests, b.N)
	}
	return r
}

func benchWebLoad(b *testing.B, pids []int, o web.LoadOptions) {
	atProcs(b)
	r := runWebLoad(b, pids, o)
	if r.failedWith != nil {
		b.Fatal(r.failedWith)
	}
	r.report(b)
}

func (r webRun) report(b *testing.B) {
	n := float64(r.st.Requests)
	b.ReportMetric(n/r.wall.Seconds(), "req/s")
	b.ReportMetric(r.st.Hist.Quantile(0.50), "p50-ns")
	b.ReportMetric(r.st.Hist.Quantile(0.99), "p99-ns")
	b.ReportMetric(r.st.Hist.Quantile(0.999), "p999-ns")
	b.ReportMetric(float64(r.server)/n, "server-cpu-ns/req")
	b.ReportMetric(float64(r.client)/n, "client-cpu-ns/req")
	b.ReportMetric(float64(r.st.Lost), "errors") // requests without an answer: any fails the row
	b.ReportMetric(float64(r.st.Retries), "retries")
}

// selfCPU is this process's CPU time so far (user+sys), ns.
func selfCPU() int64 {
	cpu, _ := rusage(syscall.RUSAGE_SELF)
	return cpu
}

// webCounterCases are the shared-variable rows: the seeds' module-level
// counter in every server, and the two fixes in every multi-process one
// (the Go servers' and the Flask app's under gunicorn).
var webCounterCases = []struct {
	server  web.ServerKind
	counter web.CounterKind
}{
	{web.Goroutine, web.Global},
	{web.Prefork, web.Global}, {web.Prefork, web.Shm}, {web.Prefork, web.Redis},
	{web.Reuseport, web.Global}, {web.Reuseport, web.Shm}, {web.Reuseport, web.Redis},
	{web.GunicornSync, web.Global}, {web.GunicornSync, web.Shm}, {web.GunicornSync, web.Redis},
	{web.GunicornGthread, web.Global}, {web.GunicornGthread, web.Shm}, {web.GunicornGthread, web.Redis},
}

// WebCounterCloseEvery: the counter rows' connections reconnect after
// this many requests, so that R requests spread over the worker processes
// (a keep-alive connection stays with one worker and hides the problem).
const WebCounterCloseEvery = 4

// BenchmarkWebCounter is the seeds' shared variable, measured. One op =
// one GET /count on a fresh server (so R = b.N), 16 connections that
// reconnect every WebCounterCloseEvery requests. requests is R, max-seen
// the highest value any answer showed, workers-seen how many worker pids
// answered, lost-updates R minus what the counters hold at the end (the
// shared counter, or the sum of each worker's last value). counter=global
// is a module-level variable (in Go an atomic within one process; in
// webapp.py the seeds' plain counter += 1, which gthread's threads also
// share): in a multi-process server its answers never reach R, and it may
// lose updates. counter=shm and counter=redis are the fixes; they, and the
// one-process goroutine server, must lose nothing and show R, or the row
// fails. req/s against counter=global is each fix's cost.
func BenchmarkWebCounter(b *testing.B) {
	w := max(2, runtime.NumCPU())
	for _, c := range webCounterCases {
		name := webServerName(c.server, w) + "/counter=" + string(c.counter)
		b.Run(name, func(b *testing.B) {
			benchWebCounter(b, web.Options{Server: c.server, Workers: w, Counter: c.counter})
		})
	}
}

func benchWebCounter(b *testing.B, o web.Options) {
	atProcs(b)
	s := startWeb(b, o)
	r := runWebLoad(b, s.Pids(), web.LoadOptions{Addr: s.Addr, Path: web.Count, Conns: 16, CloseEvery: WebCounterCloseEvery})
	if r.failedWith != nil {
		b.Fatal(r.failedWith)
	}
	total, shared, err := s.Total()
	if err != nil {
		b.Fatal(err)
	}
	t := web.Summarize(r.st, uint64(b.N), total, shared)
	exact := o.Counter != web.Global || o.Server == web.Goroutine
	if err := t.Exact(); exact && err != nil {
		b.Fatalf("%s counter on %s: %v", o.Counter, o.Server, err)
	}
	r.report(b)
	b.ReportMetric(float64(t.Requests), "requests")
	b.ReportMetric(float64(t.MaxSeen), "max-seen")
	b.ReportMetric(float64(t.Workers), "workers-seen")
	b.ReportMetric(float64(t.Lost), "lost-updates")
}

// WebOpenRate is the open-loop rows' request rate, per second: below
// every server's capacity on this kind of machine, so that the latency
// shown is service plus queueing at a load the server can carry.
const WebOpenRate = 500

// BenchmarkWebOpen is the open-loop view: vegeta sends WebOpenRate
// requests per second whatever the server's answers do (a closed loop
// slows down with the server and hides its queueing). One op = one
// request's result, checked (status, body); ns/op is about 1/rate, and
// the metrics to read are the latency quantiles, req/s achieved, and the
// server's and client's CPU per request.
func BenchmarkWebOpen(b *testing.B) {
	w := runtime.NumCPU()
	for _, k := range web.Servers {
		b.Run(webServerName(k, w), func(b *testing.B) {
			s := startWeb(b, web.Options{Server: k, Workers: w})
			for _, p := range web.Paths {
				b.Run(fmt.Sprintf("path=%s/rate=%d", p, WebOpenRate), func(b *testing.B) { benchWebOpen(b, s.Pids(), s.Addr, p) })
			}
		})
	}
}

func benchWebOpen(b *testing.B, pids []int, addr string, p web.Path) {
	atProcs(b)
	o, err := web.StartOpen(addr, p, WebOpenRate)
	if err != nil {
		b.Fatal(err)
	}
	srv0, cli0 := web.CPUNanos(pids), selfCPU()
	t0 := time.Now()
	var failed error
	for b.Loop() {
		if failed = o.Next(); failed != nil {
			break
		}
	}
	st, err := o.Stop()
	r := webRun{st: st, wall: time.Since(t0), server: web.CPUNanos(pids) - srv0, client: selfCPU() - cli0}
	if err = errors.Join(failed, err); err != nil {
		b.Fatal(err)
	}
	r.report(b)
}

// webRef collects the reference run's rates over every count: ours, wrk's,
// and their ratio per op (the two ran back to back).
var webRef struct{ ours, wrk, ratio []float64 }

// WebRefDuration is how long each client runs in BenchmarkWebReference.
var WebRefDuration = time.Second

// BenchmarkWebReference checks the client: wrk and our closed-loop client
// each run WebRefDuration against the goroutine server's /hello at 16
// connections, back to back in the same op (wrk first in even counts, ours
// first in odd ones, so that a neighbour that comes or goes mid-op does not
// always fall on the same client). Ours is the Load the BenchmarkWeb rows
// use, with the same options; RunFor only stands in for b.Loop. req/s is
// ours, wrk-req/s wrk's, client-ratio ours/wrk; below WebRefTarget the
// client, not the server, would be what BenchmarkWeb measures.
// client-cpu-ns/req and wrk-cpu-ns/req are each client's CPU per request,
// which a busy machine disturbs less than the rates: the client shares the
// cores with the server, so its CPU per request is what it takes from the
// server. The medians' ratio over all counts is printed as a "# ratio:"
// comment line.
func BenchmarkWebReference(b *testing.B) {
	w := runtime.NumCPU()
	b.Run(webServerName(web.Goroutine, w)+"/path=hello/conns=16", func(b *testing.B) {
		atProcs(b)
		s := startWeb(b, web.Options{Server: web.Goroutine, Workers: w})
		var p webRefPair
		for b.Loop() {
			p = runWebRefPair(b, s.Addr, w, len(webRef.ratio)%2 == 1)
		}
		b.ReportMetric(p.ours, "req/s")
		b.ReportMetric(p.wrk, "wrk-req/s")
		b.ReportMetric(p.ours/p.wrk, "client-ratio")
		b.ReportMetric(p.oursCPU, "client-cpu-ns/req")
		b.ReportMetric(p.wrkCPU, "wrk-cpu-ns/req")
		webRef.ours, webRef.wrk = append(webRef.ours, p.ours), append(webRef.wrk, p.wrk)
		webRef.ratio = append(webRef.ratio, p.ours/p.wrk)
	})
	if len(webRef.ratio) > 0 {
		fmt.Println(webRatioLine(webRef.ratio, webRef.ours, webRef.wrk))
		webRef.ours, webRef.wrk, webRef.ratio = nil, nil, nil
	}
}

// webRefPair is one op of BenchmarkWebReference: each client's req/s and
// CPU ns per request.
type webRefPair struct{ ours, wrk, oursCPU, wrkCPU float64 }

func runWebRefPair(b *testing.B, addr string, threads int, oursFirst bool) webRefPair {
	var p webRefPair
	runWrk := func() {
		wr, err := web.Wrk(addr, web.Hello, 16, threads, WebRefDuration)
		if errors.Is(err, deps.ErrMissing) {
			b.Skip(err)
		} else if err != nil {
			b.Fatal(err)
		}
		p.wrk, p.wrkCPU = wr.Rate, float64(wr.CPU)/float64(wr.Requests)
	}
	runOurs := func() {
		cpu0 := selfCPU()
		st, d, err := web.RunFor(web.LoadOptions{Addr: addr, Path: web.Hello, Conns: 16}, WebRefDuration)
		if err != nil {
			b.Fatal(err)
		}
		p.ours, p.oursCPU = float64(st.Requests)/d.Seconds(), float64(selfCPU()-cpu0)/float64(st.Requests)
	}
	if oursFirst {
		runOurs()
		runWrk()
	} else {
		runWrk()
		runOurs()
	}
	return p
}

// WebRefTarget is the least client-ratio at which BenchmarkWeb measures
// the servers, not our client.
const WebRefTarget = 0.90

// webRatioLine is the "# ratio:" line: the median ratio, and plainly
// whether it is below WebRefTarget. A low ratio does not fail the
// benchmark (on a shared machine a neighbour can cause it), it says so.
func webRatioLine(ratio, ours, wrk []float64) string {
	r := median(ratio)
	verdict := "at or above target"
	if r < WebRefTarget {
		verdict = "BELOW TARGET: BenchmarkWeb may be measuring the client"
	}
	return fmt.Sprintf("# ratio: concbench client / wrk req/s on goroutine /hello, conns=16 = %.2fx (median of %d back-to-back pairs; medians %.0f / %.0f req/s; target >= %.2fx: %s)",
		r, len(ratio), median(ours), median(wrk), WebRefTarget, verdict)
}

// A wrong body or a wrong status from the server fails the row
// (testing.Benchmark reports N=0 for a failed benchmark).
func TestWebFailsOnWrongAnswer(t *testing.T) {
	cases := map[string]http.HandlerFunc{
		"body": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("Hello, World?\n")) },
		"status": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(web.HelloBody))
		},
	}
	for name, h := range cases {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		o := web.LoadOptions{Addr: ln.Addr().String(), Path: web.Hello, Conns: 4}
		r := testing.Benchmark(func(b *testing.B) { benchWebLoad(b, nil, o) })
		srv.Close()
		if r.N != 0 {
			t.Errorf("a wrong %s passed %d requests without a failure", name, r.N)
		}
	}
}

// A server that drops every third request on each connection (closes it
// without an answer) fails the row: the client does not send a request
// again on a busy connection, and counts what is lost. Before, each drop
// was re-sent on a new connection and the row passed with every request
// answered and errors 0.
func TestWebFailsOnDroppedRequests(t *testing.T) {
	type served struct{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, served{}, new(int))
		},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := r.Context().Value(served{}).(*int) // one connection's requests run one at a time
			if *n++; *n%3 == 0 {
				if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
					c.Close()
				}
				return
			}
			w.Write([]byte(web.HelloBody))
		}),
	}
	go srv.Serve(ln)
	defer srv.Close()
	o := web.LoadOptions{Addr: ln.Addr().String(), Path: web.Hello, Conns: 16}
	if r := testing.Benchmark(func(b *testing.B) { benchWebLoad(b, nil, o) }); r.N != 0 {
		t.Errorf("a server that drops every third request passed %d requests, errors %v", r.N, r.Extra["errors"])
	}
}

// webServerName is a server's part of a Web row's name: the server, its
// workers, and for Go servers the GOMAXPROCS each process runs at (goroutine:
// one process at workers; prefork, reuseport: workers processes at 1).
func webServerName(k web.ServerKind, workers int) string {
	name := fmt.Sprintf("server=%s/workers=%d", k, workers)
	if _, gmp := k.Procs(workers); gmp > 0 {
		name += fmt.Sprintf("/gomaxprocs=%d", gmp)
	}
	return name
}

// The reference's ratio line says plainly when our client is below target.
func TestWebRatioLineSaysBelowTarget(t *testing.T) {
	cases := []struct {
		ratio []float64
		below bool
	}{
		{[]float64{0.95, 1.02, 0.97}, false},
		{[]float64{0.90}, false},
		{[]float64{0.85, 0.95, 0.80}, true},
	}
	for _, c := range cases {
		line := webRatioLine(c.ratio, []float64{1}, []float64{1})
		if !strings.HasPrefix(line, "# ratio: ") || strings.Contains(line, "BELOW TARGET") != c.below {
			t.Errorf("ratios %v: %q, want below target %v", c.ratio, line, c.below)
		}
	}
}
