package web

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/proc"
)

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

func start(t *testing.T, o Options) *Server {
	t.Helper()
	s, err := Start(o)
	if errors.Is(err, deps.ErrMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every server answers every path right, and after Close none of its
// processes (gunicorn's workers included) is left running.
func TestServersServeAndStop(t *testing.T) {
	for _, k := range Servers {
		t.Run(string(k), func(t *testing.T) {
			s := start(t, Options{Server: k, Workers: 2})
			pids := s.Pids()
			want := 2 // a worker process each, or gunicorn's master and two workers
			if k == Goroutine {
				want = 1
			}
			if len(pids) < want {
				t.Errorf("%d server processes %v, want at least %d", len(pids), pids, want)
			}
			for _, p := range append(Paths, Count) {
				if err := Check(s.Addr, p); err != nil {
					t.Error(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			for _, pid := range pids {
				if Running(pid) {
					t.Errorf("server process %d still running after Close", pid)
				}
			}
		})
	}
}

// A wrong body or a wrong status fails the load, with the request named.
func TestLoadFailsOnWrongAnswer(t *testing.T) {
	cases := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"body", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("Hello, World?\n")) }},
		{"status", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
			w.Write([]byte(HelloBody))
		}},
		{"length", rawAnswer("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n" + HelloBody)},
		{"truncated", rawAnswer("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n" + HelloBody)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: c.h}
			go srv.Serve(ln)
			defer srv.Close()
			if err := Check(ln.Addr().String(), Hello); err == nil {
				t.Errorf("a wrong %s passed the check", c.name)
			} else {
				t.Log(err)
			}
		})
	}
}

// rawAnswer answers with resp, byte for byte, and closes the connection.
func rawAnswer(resp string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		c.Write([]byte(resp))
		c.Close()
	}
}

// countRun sends r /count requests over conns connections that reconnect
// after every 2 requests, and returns what the load saw and the shared
// counter's total (if there is one).
func countRun(t *testing.T, o Options, r int) (Stats, uint64, bool) {
	s := start(t, o)
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	l, err := NewLoad(LoadOptions{Addr: s.Addr, Path: Count, Conns: 8, CloseEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	for i := 0; i < r && l.Next(); i++ {
	}
	st, err := l.Stop()
	if err != nil {
		t.Fatal(err)
	}
	total, ok, err := s.Total()
	if err != nil {
		t.Fatal(err)
	}
	return st, total, ok
}

// The seeds' problem: a module-level counter in a pre-fork server is one
// counter per worker. The per-worker counts add up to R, but no answer
// ever shows R. The fixes (shm, redis) and the one-process server lose
// nothing: some answer shows exactly R.
func TestCounterDivergesUnlessShared(t *testing.T) {
	const r = 400
	cases := []struct {
		o       Options
		diverge bool
	}{
		{Options{Server: Goroutine, Workers: 2}, false},
		{Options{Server: Prefork, Workers: 2}, true},
		{Options{Server: Reuseport, Workers: 2}, true},
		{Options{Server: GunicornSync, Workers: 2}, true},
		{Options{Server: Prefork, Workers: 2, Counter: Shm}, false},
		{Options{Server: Prefork, Workers: 2, Counter: Redis}, false},
		{Options{Server: Reuseport, Workers: 2, Counter: Shm}, false},
		{Options{Server: GunicornSync, Workers: 2, Counter: Shm}, false},
		{Options{Server: GunicornSync, Workers: 2, Counter: Redis}, false},
		{Options{Server: GunicornGthread, Workers: 2, Counter: Shm}, false},
		{Options{Server: GunicornGthread, Workers: 2, Counter: Redis}, false},
	}
	for _, c := range cases {
		t.Run(string(c.o.Server)+"/"+string(c.o.Counter), func(t *testing.T) {
			st, total, shared := countRun(t, c.o, r)
			v := Summarize(st, r, total, shared)
			t.Logf("%+v", v)
			if v.Lost != 0 {
				t.Errorf("%d updates lost of %d", v.Lost, r)
			}
			if c.diverge && (v.MaxSeen >= r || v.Workers < 2) {
				t.Errorf("max-seen %d over %d workers: want < %d over at least 2", v.MaxSeen, v.Workers, r)
			}
			if !c.diverge && v.MaxSeen != r {
				t.Errorf("max-seen %d, want exactly %d", v.MaxSeen, r)
			}
		})
	}
}

// roleHolder starts the server its environment names, says ready, prints
// the server's pids and waits to be killed: the benchmark binary as a
// user's Ctrl-C finds it.
const roleHolder = "web-test-holder"

func init() { proc.Register(roleHolder, serveHolder) }

func serveHolder() int {
	w, _ := strconv.Atoi(os.Getenv("HOLD_WORKERS"))
	s, err := Start(Options{Server: ServerKind(os.Getenv("HOLD_SERVER")), Workers: w, Counter: CounterKind(os.Getenv("HOLD_COUNTER"))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	proc.Ready()
	fmt.Println(s.Pids())
	select {}
}

// Ctrl-C (SIGINT) to a benchmark binary that holds servers leaves none of
// them running: the Go workers, gunicorn's master and redis-server die by
// Pdeathsig, gunicorn's workers leave when they see their master gone.
func TestServersDieWithTheBenchmark(t *testing.T) {
	cases := []Options{
		{Server: Prefork, Workers: 2, Counter: Redis},
		{Server: Reuseport, Workers: 2, Counter: Shm},
		{Server: GunicornSync, Workers: 2},
		{Server: GunicornGthread, Workers: 2},
	}
	for _, o := range cases {
		t.Run(string(o.Server), func(t *testing.T) {
			if o.Server.IsGunicorn() && gunicornCheck() != nil {
				t.Skip(gunicornCheck())
			}
			if err := deps.Redis.Check(); o.Counter == Redis && err != nil {
				t.Skip(err)
			}
			// The killed holder cannot remove its directory. (Not t.TempDir:
			// its long name would not fit redis-server's socket path.)
			tmp, err := os.MkdirTemp("", "hold")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(tmp)
			c, err := proc.Start(roleHolder, proc.Options{Env: []string{"HOLD_SERVER=" + string(o.Server),
				"HOLD_WORKERS=" + strconv.Itoa(o.Workers), "HOLD_COUNTER=" + string(o.Counter),
				"TMPDIR=" + tmp}})
			if err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(c.Out).ReadString('\n')
			if err != nil {
				c.Kill()
				t.Fatal(err)
			}
			var pids []int
			for _, f := range strings.Fields(strings.Trim(line, "[]\n")) {
				pid, _ := strconv.Atoi(f)
				pids = append(pids, pid)
			}
			if len(pids) < 2 {
				t.Errorf("holder reported server pids %q", line)
			}
			c.Signal(syscall.SIGINT, 5*time.Second)
			if err := awaitStopped(pids); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseWrk(t *testing.T) {
	ok := "Running 1s test @ http://127.0.0.1:1/hello\n  2 threads and 16 connections\n" +
		"  45212 requests in 1.00s, 5.52MB read\nRequests/sec:  45101.37\nTransfer/sec:      5.51MB\n"
	cases := []struct {
		name, out string
		rate      float64
		fails     bool
	}{
		{"ok", ok, 45101.37, false},
		{"non-2xx", ok + "  Non-2xx or 3xx responses: 3\n", 0, true},
		{"socket errors", ok + "  Socket errors: connect 0, read 2, write 0, timeout 0\n", 0, true},
		{"no rate", "  45212 requests in 1.00s, 5.52MB read\n", 0, true},
	}
	for _, c := range cases {
		r, err := parseWrk([]byte(c.out))
		if (err != nil) != c.fails || !c.fails && (r.Rate != c.rate || r.Requests != 45212) {
			t.Errorf("%s: %+v, %v", c.name, r, err)
		}
	}
}

func TestParseResponse(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nDate: x\r\ncontent-length: 14\r\n\r\nHello, World!\n"
	cases := []struct {
		name, in string
		status   int
		body     string
		close    bool
		fails    bool
	}{
		{"ok", ok, 200, HelloBody, false, false},
		{"close", "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi", 200, "hi", true, false},
		{"empty body", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", 500, "", false, false},
		{"no length", "HTTP/1.1 200 OK\r\n\r\n", 0, "", false, true},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, "", false, true},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, "", false, true},
		{"bad status", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", 0, "", false, true},
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", 0, "", false, true},
		{"no end of head", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", maxHead), 0, "", false, true},
	}
	for _, c := range cases {
		status, body, srvClose, size, err := parseResponse([]byte(c.in))
		if (err != nil) != c.fails || !c.fails && (status != c.status || string(body) != c.body || srvClose != c.close || size != len(c.in)) {
			t.Errorf("%s: status %d body %q close %v size %d of %d, %v", c.name, status, body, srvClose, size, len(c.in), err)
		}
	}
	// Every proper prefix of a response is a response not yet whole; the
	// bytes after one are not part of it.
	for i := 0; i < len(ok); i++ {
		if _, _, _, size, err := parseResponse([]byte(ok[:i])); size != 0 || err != nil {
			t.Errorf("prefix of %d bytes: size %d, %v", i, size, err)
		}
	}
	if _, _, _, size, err := parseResponse([]byte(ok + "HTTP/1.1")); size != len(ok) || err != nil {
		t.Errorf("response and more: size %d, %v; want %d", size, err, len(ok))
	}
}

// helloServer is an in-process server of /hello (h, if not nil, instead).
func helloServer(t *testing.T, h http.HandlerFunc, idle time.Duration) string {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(HelloBody)) }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, IdleTimeout: idle}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// Every request Next hands out is answered by Stop, one at a time per
// connection, at 1, 16 and 256 connections, kept alive or reconnecting.
func TestLoadAnswersEveryRequest(t *testing.T) {
	addr := helloServer(t, nil, 0)
	const r = 1000
	for _, conns := range []int{1, 16, 256} {
		for _, every := range []int{0, 3} {
			l, err := NewLoad(LoadOptions{Addr: addr, Path: Hello, Conns: conns, CloseEvery: every})
			if err != nil {
				t.Fatal(err)
			}
			l.Start()
			for i := 0; i < r; i++ {
				if !l.Next() {
					break
				}
			}
			st, err := l.Stop()
			minDials, maxDials := 1, conns
			if every > 0 {
				minDials, maxDials = r/every, r/every+conns
			}
			if err != nil || st.Requests != r || st.Hist.Count() != r || st.Dials < minDials || st.Dials > maxDials {
				t.Errorf("conns=%d close-every=%d: %d answers, %d timed, %d dials (want %d, %d, %d..%d): %v",
					conns, every, st.Requests, st.Hist.Count(), st.Dials, r, r, minDials, maxDials, err)
			}
		}
	}
}

// The client is not a goroutine per connection (each would pay a park
// and a wake-up per response): its connections are served by at most
// GOMAXPROCS loops.
func TestLoadRunsOnLoops(t *testing.T) {
	addr := helloServer(t, nil, 0)
	l, err := NewLoad(LoadOptions{Addr: addr, Path: Hello, Conns: 64})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	for i := 0; i < 500 && l.Next(); i++ {
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	if _, err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "family/web.(*conn)") || strings.Contains(g, "family/web.(*loop)") {
			n++
		}
	}
	if n < 1 || n > runtime.GOMAXPROCS(0) {
		t.Errorf("%d client goroutines for 64 connections, want 1..%d", n, runtime.GOMAXPROCS(0))
	}
}

// Next never lets more than high requests go unanswered: with the server
// holding every answer, it stops handing out requests there, and goes on
// once answers come.
func TestNextWaitsForAnswers(t *testing.T) {
	release := make(chan struct{})
	addr := helloServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write([]byte(HelloBody))
	}, 0)
	l, err := NewLoad(LoadOptions{Addr: addr, Path: Hello, Conns: 4})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	high := l.high() // none answered: Conns+1
	want := int(high) + 10
	var handed atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < want && l.Next(); i++ {
			handed.Add(1)
		}
	}()
	for end := time.Now().Add(5 * time.Second); handed.Load() < high && time.Now().Before(end); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if h := handed.Load(); h != high || high != 5 {
		t.Errorf("%d requests handed out with none answered, want %d (high, which must be Conns+1 = 5)", h, high)
	}
	close(release)
	<-done
	st, err := l.Stop()
	if err != nil || st.Requests != uint64(want) {
		t.Errorf("%d answered of %d: %v", st.Requests, want, err)
	}
}

// TestLoadRampsWithBLoop: against a server that takes a millisecond per
// request, one connection, b.Loop's ramp-up sees the requests' time and
// stops near its benchtime. With the window at max(Conns, 256) from the
// start, its steps of 1 and 100 requests ended before any was answered
// and it ran 10,000 requests (over 10 s for a 0.2 s benchtime).
func TestLoadRampsWithBLoop(t *testing.T) {
	addr := helloServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		w.Write([]byte(HelloBody))
	}, 0)
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	bt.Value.Set("200ms")
	defer bt.Value.Set(old)
	r := testing.Benchmark(func(b *testing.B) {
		l, err := NewLoad(LoadOptions{Addr: addr, Path: Hello, Conns: 1})
		if err != nil {
			b.Fatal(err)
		}
		l.Start()
		for b.Loop() {
			l.Next()
		}
		b.StartTimer()
		if _, err := l.Stop(); err != nil {
			b.Fatal(err)
		}
	})
	if r.N == 0 || r.N > 1000 || r.T > 2*time.Second {
		t.Errorf("b.Loop ran %d requests in %v for a 200ms benchtime at about 1 ms each; want at most 1000 in 2 s", r.N, r.T)
	}
}

// A kept-alive connection that the server closed while idle gets the next
// request again on a new connection, counted as a retry, and the load goes
// on.
func TestLoadRetriesIdleClosed(t *testing.T) {
	addr := helloServer(t, nil, 10*time.Millisecond)
	l, err := NewLoad(LoadOptions{Addr: addr, Path: Hello, Conns: 1})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	l.Next()
	time.Sleep(IdleRetry + 100*time.Millisecond)
	l.Next()
	st, err := l.Stop()
	if err != nil || st.Requests != 2 || st.Dials != 2 || st.Retries != 1 || st.Lost != 0 {
		t.Errorf("%d answers over %d connections, %d retries, %d lost; want 2 over 2, 1 retry, none lost: %v", st.Requests, st.Dials, st.Retries, st.Lost, err)
	}
}

// rawServer answers /hello requests itself, byte for byte, so that a test
// can make it misbehave: for the k-th request on a connection (from 1),
// which waited idle since the last answer on it (0 for the first), drop
// says how long to wait and whether to close the connection instead of
// answering.
func rawServer(t *testing.T, drop func(k int, idle time.Duration) (time.Duration, bool)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	serve := func(c net.Conn) {
		defer wg.Done()
		defer c.Close()
		rd := bufio.NewReader(c)
		last := time.Time{}
		for k := 1; ; k++ {
			for {
				line, err := rd.ReadString('\n')
				if err != nil {
					return
				}
				if line == "\r\n" {
					break
				}
			}
			var idle time.Duration
			if k > 1 {
				idle = time.Since(last)
			}
			wait, dropIt := drop(k, idle)
			time.Sleep(wait)
			if dropIt {
				return
			}
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n"+HelloBody); err != nil {
				return
			}
			last = time.Now()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go serve(c)
		}
	}()
	return ln.Addr().String()
}

// A server that drops every third request on each connection (closes it
// without an answer, however busy) loses a third of the requests, and the
// load says so: no silent retry on a busy connection, the losses counted
// and Stop failing with their count. Before, each dropped request was
// sent again on a new connection and the load reported every request
// answered.
func TestLoadCountsDroppedRequests(t *testing.T) {
	t.Run("open-loop", testOpenCountsDroppedRequests)
	addr := rawServer(t, func(k int, _ time.Duration) (time.Duration, bool) { return 0, k%3 == 0 })
	const r = 900
	for _, conns := range []int{1, 16} {
		l, err := NewLoad(LoadOptions{Addr: addr, Path: Hello, Conns: conns})
		if err != nil {
			t.Fatal(err)
		}
		l.Start()
		for i := 0; i < r && l.Next(); i++ {
		}
		st, err := l.Stop()
		t.Logf("conns=%d: %d answered, %d lost, %d retries, %d dials: %v", conns, st.Requests, st.Lost, st.Retries, st.Dials, err)
		// A connection that had to wait for Next (a busy machine) may see
		// its drop taken for an idle close: retried, counted, not lost.
		if err == nil || !strings.Contains(err.Error(), "requests lost") || st.Lost+st.Retries < r/4 || st.Requests+uint64(st.Lost) != r {
			t.Errorf("conns=%d: %d answered, %d lost and %d retried of %d, error %v; want about a third dropped and the error counting the losses",
				conns, st.Requests, st.Lost, st.Retries, r, err)
		}
	}
}

// The open loop's client (net/http under vegeta) re-sends a GET on a new
// connection by itself; at WebOpenRate its connections wait milliseconds
// between requests, never IdleRetry, so each drop must count as lost and
// fail the load.
func testOpenCountsDroppedRequests(t *testing.T) {
	addr := rawServer(t, func(k int, _ time.Duration) (time.Duration, bool) { return 0, k%3 == 0 })
	o, err := StartOpen(addr, Hello, 300)
	if err != nil {
		t.Fatal(err)
	}
	var failed error
	for i := 0; i < 150 && failed == nil; i++ {
		failed = o.Next()
	}
	st, err := o.Stop()
	t.Logf("%d answered, %d lost, %d retries: %v, %v", st.Requests, st.Lost, st.Retries, failed, err)
	if failed == nil && (err == nil || !strings.Contains(err.Error(), "requests lost")) {
		t.Errorf("%d answered, %d lost, %d retries: no error; want the drops lost", st.Requests, st.Lost, st.Retries)
	}
}

// A request lost to an idle close is sent again, and its latency counts
// from its first send: the server here waits 30 ms before closing the idle
// connection, so the request takes at least that.
func TestLoadRetryKeepsItsClock(t *testing.T) {
	const wait = 30 * time.Millisecond
	addr := rawServer(t, func(k int, idle time.Duration) (time.Duration, bool) {
		if k > 1 && idle > IdleRetry {
			return wait, true
		}
		return 0, false
	})
	l, err := NewLoad(LoadOptions{Addr: addr, Path: Hello, Conns: 1})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	l.Next()
	time.Sleep(IdleRetry + 100*time.Millisecond)
	l.Next()
	st, err := l.Stop()
	if err != nil || st.Requests != 2 || st.Retries != 1 {
		t.Fatalf("%d answered, %d retries: %v; want 2 and 1", st.Requests, st.Retries, err)
	}
	if worst := time.Duration(st.Hist.Quantile(1)); worst < wait*9/10 {
		t.Errorf("the retried request took %v, want at least the %v before the server closed its connection", worst, wait)
	}
}

// No server, or one that dies: the load fails, it does not wait forever.
func TestLoadFailsWithoutServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := Check(addr, Hello); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("%v, want connection refused", err)
	}
	dying := helloServer(t, rawAnswer(""), 0)
	if err := Check(dying, Hello); err == nil {
		t.Error("a load on a server that closes without answering passed")
	} else {
		t.Log(err)
	}
}
