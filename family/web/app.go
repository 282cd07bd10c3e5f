package web

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"

	"github.com/concbench/concbench/workloads"
)

// Path is one endpoint of the app.
type Path string

const (
	Hello Path = "hello" // a fixed body
	Work  Path = "work"  // workloads' sha256 kernel on ?arg=: CPU-bound
	Sleep Path = "sleep" // workloads' sleep kernel (1 ms) on ?arg=: IO-bound
	Count Path = "count" // increments the counter, answers "<value> <pid>\n"
)

// Paths are the paths the load matrix sweeps (Count has its own benchmark).
var Paths = []Path{Hello, Work, Sleep}

// HelloBody is /hello's answer in every server, Go and Python.
const HelloBody = "Hello, World!\n"

// kernelOf names the workloads kernel behind a path, or "".
func kernelOf(p Path) string {
	switch p {
	case Work:
		return "sha256"
	case Sleep:
		return "sleep"
	}
	return ""
}

// Expected is the table of right answers for a path: one body per
// argument (workloads.ArgRange of them for the kernel paths, one for
// hello). It is computed in this process, before timing, with the same
// kernels the Go servers run and webapp.py reimplements.
func Expected(p Path) ([][]byte, error) {
	switch p {
	case Hello:
		return [][]byte{[]byte(HelloBody)}, nil
	case Work, Sleep:
		ans, err := workloads.Answers(workloads.Spec{Kernel: kernelOf(p)})
		if err != nil {
			return nil, fmt.Errorf("web: answers for /%s: %w", p, err)
		}
		out := make([][]byte, len(ans))
		for i, a := range ans {
			out[i] = strconv.AppendUint(nil, a, 10)
		}
		return out, nil
	}
	return nil, fmt.Errorf("web: no fixed answers for path %q", p)
}

// app is the Go version of the app; every Go server serves it.
type app struct {
	ctr     Counter
	pid     string
	runners map[string]*sync.Pool // per kernel: runners are not safe for concurrent use
}

func newApp(ctr Counter) *app {
	a := &app{ctr: ctr, pid: strconv.Itoa(os.Getpid()), runners: map[string]*sync.Pool{}}
	for _, p := range []Path{Work, Sleep} {
		k, _ := workloads.Lookup(kernelOf(p)) // both are registered by workloads
		a.runners[k.Name] = &sync.Pool{New: func() any {
			r, err := k.Open("")
			if err != nil {
				panic(fmt.Sprintf("web: open %s kernel: %v", k.Name, err))
			}
			return r
		}}
	}
	return a
}

func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { reply(w, []byte(HelloBody)) })
	mux.HandleFunc("/work", a.kernel("sha256"))
	mux.HandleFunc("/sleep", a.kernel("sleep"))
	mux.HandleFunc("/count", a.count)
	return mux
}

func reply(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h["Content-Type"] = textPlain // set, not sniffed
	w.Write(body)
}

var textPlain = []string{"text/plain; charset=utf-8"}

func (a *app) kernel(name string) http.HandlerFunc {
	pool := a.runners[name]
	return func(w http.ResponseWriter, r *http.Request) {
		arg, err := strconv.ParseUint(r.URL.Query().Get("arg"), 10, 64)
		if err != nil || arg >= workloads.ArgRange {
			http.Error(w, "arg: want 0 to 63", http.StatusBadRequest)
			return
		}
		run := pool.Get().(workloads.Runner)
		v, err := run.Run(arg)
		pool.Put(run)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var buf [20]byte
		reply(w, strconv.AppendUint(buf[:0], v, 10))
	}
}

func (a *app) count(w http.ResponseWriter, r *http.Request) {
	v, err := a.ctr.Incr()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var buf [48]byte
	b := strconv.AppendUint(buf[:0], v, 10)
	b = append(append(b, ' '), a.pid...)
	reply(w, append(b, '\n'))
}

// parseCount reads a /count body: "<value> <pid>\n".
func parseCount(body []byte) (v uint64, pid int, err error) {
	num, rest, ok := bytes.Cut(bytes.TrimSuffix(body, []byte("\n")), []byte(" "))
	if ok {
		v, err = strconv.ParseUint(string(num), 10, 64)
	}
	if ok && err == nil {
		pid, err = strconv.Atoi(string(rest))
	}
	if !ok || err != nil || v == 0 || pid <= 0 {
		return 0, 0, fmt.Errorf("bad /count body %q: want \"<value ≥ 1> <pid>\\n\"", body)
	}
	return v, pid, nil
}
