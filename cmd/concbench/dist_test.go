//go:build linux

package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concbench/concbench/family/distributed"
	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/proc"
)

// TestMain serves the roles this binary's children play (dist master
// -queue manager-process starts its manager process as one), as main does.
func TestMain(m *testing.M) {
	proc.Serve()
	os.Exit(m.Run())
}

func TestDistFlags(t *testing.T) {
	t.Setenv(secretEnv, "s")
	for _, args := range [][]string{
		{},
		{"boss"},
		{"master"},
		{"master", "-listen", "127.0.0.1:0", "-tasks", "0"},
		{"master", "-listen", "127.0.0.1:0", "-queue", "python-manager"},
		{"master", "-listen", "127.0.0.1:0", "extra"},
		{"master", "-listen", "127.0.0.1:0", "-quiet", "-1s"},
		{"master", "-listen", "127.0.0.1:0", "-quiet", "0s"},
		{"worker", "-connect", "127.0.0.1:1", "-handshake", "-1s"},
		{"master", "-listen", "127.0.0.1:0", "-secret", "s"}, // the flag is gone: argv is readable by all
		{"master", "-listen", "127.0.0.1:0", "-secret-file", "/nonexistent/secret"},
		{"worker"},
		{"worker", "-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"dist"}, args...), &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("dist %v: exit %d, stderr %q, stdout %q; want 2, one line, nothing", args, code, stderr.String(), stdout.String())
		}
	}
	t.Setenv(secretEnv, "")
	var stderr bytes.Buffer
	if code := run([]string{"dist", "master", "-listen", "127.0.0.1:0"}, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), secretEnv) {
		t.Errorf("no secret: exit %d, %q; want 2 naming %s", code, stderr.String(), secretEnv)
	}
}

// -h names every queue -queue knows, python-manager among them.
func TestDistHelpListsQueues(t *testing.T) {
	var stdout bytes.Buffer // -h is the usage on stdout, exit 0 (every command's convention)
	if code := run([]string{"dist", "master", "-h"}, &stdout, &bytes.Buffer{}); code != 0 {
		t.Errorf("dist master -h: exit %d", code)
	}
	for _, q := range distributed.RemoteQueues() {
		if !strings.Contains(stdout.String(), string(q)) {
			t.Errorf("dist master -h does not name %s", q)
		}
	}
}

// freeAddr is a loopback address nothing listens on (a moment ago).
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A master and two workers, each a dist command, run every task and the
// master prints a benchfmt line; the workers exit 0 when the master ends.
func TestDistMasterWorkers(t *testing.T) {
	for _, q := range []string{"manager", "manager-process", "stream", "nats", "nats-jetstream"} {
		t.Run(q, func(t *testing.T) {
			if err := deps.NATS.Check(); err != nil && strings.HasPrefix(q, "nats") {
				t.Skip(err)
			}
			addr := freeAddr(t)
			t.Setenv(secretEnv, "s3cret")
			common := []string{"-queue", q}
			var stdout, stderr bytes.Buffer
			done := make(chan int)
			go func() {
				done <- run(append([]string{"dist", "master", "-listen", addr, "-tasks", "300", "-single", "5", "-workers", "2"}, common...), &stdout, &stderr)
			}()
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var o, e bytes.Buffer
					for codes[i] = 1; codes[i] != 0; { // until the master listens
						o.Reset()
						e.Reset()
						codes[i] = run(append([]string{"dist", "worker", "-connect", addr}, common...), &o, &e)
						if !notYet(e.String()) {
							break
						}
						time.Sleep(20 * time.Millisecond)
					}
					if codes[i] != 0 {
						t.Errorf("worker: exit %d: %s", codes[i], e.String())
					}
				}()
			}
			if code := <-done; code != 0 || !strings.Contains(stdout.String(), "BenchmarkDistributedRemote/queue="+q+"/task=square 300 ") {
				t.Errorf("master: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
			}
			wg.Wait()
		})
	}
}

// notYet says a worker found no master listening yet.
func notYet(stderr string) bool {
	return strings.Contains(stderr, "refused") || strings.Contains(stderr, "no servers available")
}

// A worker with the wrong secret is refused: exit 1, saying so. The master
// reads its secret from a file, the worker from the environment.
func TestDistWrongSecret(t *testing.T) {
	addr := freeAddr(t)
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("right\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(secretEnv, "wrong")
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run([]string{"dist", "master", "-listen", addr, "-secret-file", file, "-tasks", "1", "-single", "1", "-quiet", "2s"}, &stdout, &stderr)
	}()
	var e bytes.Buffer
	code := 1
	for i := 0; i < 100; i++ {
		e.Reset()
		if code = run([]string{"dist", "worker", "-connect", addr}, &bytes.Buffer{}, &e); !notYet(e.String()) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 1 || !strings.Contains(e.String(), "did not prove the secret") {
		t.Errorf("worker with the wrong secret: exit %d, %q", code, e.String())
	}
	if code := <-done; code != 1 {
		t.Errorf("master with no worker: exit %d, want 1 (%s)", code, stderr.String())
	}
}

// A worker that reaches something other than a concbench master (here an
// HTTP server, which waits for a request) says so within -handshake.
func TestDistWorkerReachesNonMaster(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	t.Setenv(secretEnv, "s")
	var e bytes.Buffer
	code := run([]string{"dist", "worker", "-connect", srv.Listener.Addr().String(), "-handshake", "300ms"}, &bytes.Buffer{}, &e)
	if code != 1 || !strings.Contains(e.String(), "not a concbench dist master") || strings.Count(e.String(), "\n") != 1 {
		t.Errorf("worker against an HTTP server: exit %d, %q; want 1 and one line saying it is not a master", code, e.String())
	}
}

// An idle connection that never authenticates, opened before any worker,
// is not a worker: the master waits for the real one, and its clock starts
// only then. Before, the idle connection counted, the clock started at
// once, and the idle wait was inside tasks/s.
func TestDistIdleConnectionIsNotAWorker(t *testing.T) {
	addr := freeAddr(t)
	t.Setenv(secretEnv, "s3cret")
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run([]string{"dist", "master", "-listen", addr, "-tasks", "200", "-single", "2", "-quiet", "20s"}, &stdout, &stderr)
	}()
	var idle net.Conn
	for i := 0; idle == nil && i < 200; i++ {
		idle, _ = net.Dial("tcp", addr)
		time.Sleep(10 * time.Millisecond)
	}
	if idle == nil {
		t.Fatal("master never listened")
	}
	defer idle.Close()
	const wait = time.Second
	time.Sleep(wait)
	if code := run([]string{"dist", "worker", "-connect", addr}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("worker: exit %d: %s", code, stderr.String())
	}
	if code := <-done; code != 0 {
		t.Fatalf("master: exit %d: %s", code, stderr.String())
	}
	// ns/op is the whole run's time over its tasks: with the idle wait
	// inside, at least wait/200 = 5ms.
	f := strings.Fields(stdout.String()[strings.Index(stdout.String(), "BenchmarkDistributedRemote"):])
	nsop, err := strconv.ParseFloat(f[2], 64)
	if err != nil || time.Duration(nsop)*200 >= wait {
		t.Errorf("the run took %v for 200 tasks (%v), the idle connection's wait is inside it: %s", time.Duration(nsop)*200, err, stdout.String())
	}
}
