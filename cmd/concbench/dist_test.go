//go:build linux

package main

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concbench/concbench/family/dist"
)

func TestDistFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"boss"},
		{"master", "-secret", "s"},
		{"master", "-listen", "127.0.0.1:0"},
		{"master", "-listen", "127.0.0.1:0", "-secret", "s", "-tasks", "0"},
		{"master", "-listen", "127.0.0.1:0", "-secret", "s", "-queue", "python-manager"},
		{"master", "-listen", "127.0.0.1:0", "-secret", "s", "extra"},
		{"worker", "-secret", "s"},
		{"worker", "-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"dist"}, args...), &stdout, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("dist %v: exit %d, stderr %q, stdout %q; want 2, one line, nothing", args, code, stderr.String(), stdout.String())
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
	for _, q := range []string{"manager", "stream", "nats", "nats-jetstream"} {
		t.Run(q, func(t *testing.T) {
			if err := dist.NATSMissing(); err != nil && strings.HasPrefix(q, "nats") {
				t.Skip(err)
			}
			addr := freeAddr(t)
			common := []string{"-queue", q, "-secret", "s3cret"}
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

// A worker with the wrong secret is refused: exit 1, saying so.
func TestDistWrongSecret(t *testing.T) {
	addr := freeAddr(t)
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run([]string{"dist", "master", "-listen", addr, "-secret", "right", "-tasks", "1", "-single", "1", "-quiet", "2s"}, &stdout, &stderr)
	}()
	var e bytes.Buffer
	code := 1
	for i := 0; i < 100; i++ {
		e.Reset()
		if code = run([]string{"dist", "worker", "-connect", addr, "-secret", "wrong"}, &bytes.Buffer{}, &e); !notYet(e.String()) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 1 || !strings.Contains(e.String(), "wrong secret") {
		t.Errorf("worker with the wrong secret: exit %d, %q", code, e.String())
	}
	if code := <-done; code != 1 {
		t.Errorf("master with no worker: exit %d, want 1 (%s)", code, stderr.String())
	}
}
