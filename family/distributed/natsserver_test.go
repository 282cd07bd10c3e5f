package distributed

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/internal/leakcheck"
)

// brokers are this process's children running the nats-server executable.
func brokers(t *testing.T) []int {
	t.Helper()
	var out []int
	for _, pid := range leakcheck.Children() {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err == nil && filepath.Base(exe) == "nats-server" {
			out = append(out, pid)
		}
	}
	return out
}

// The broker is Debian's nats-server, a child of the master in the
// master's network namespace; it counts the connected workers, and Close
// leaves no process, descriptor, goroutine or file of it behind.
func TestNATSServerChild(t *testing.T) {
	if err := deps.NATS.Check(); err != nil {
		t.Skip(err)
	}
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []Queue{NATS, JetStream} {
		t.Run(string(q), func(t *testing.T) {
			before := leakcheck.Take()
			c, err := Start(Config{Queue: q, Task: Square, Procs: 2, Secret: "s"})
			if err != nil {
				t.Fatal(err)
			}
			pids := brokers(t)
			if len(pids) != 1 {
				c.Close()
				t.Fatalf("nats-server children: %v, want one", pids)
			}
			if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pids[0])); err != nil || ns != self {
				t.Errorf("nats-server in network namespace %s (%v), the master in %s", ns, err, self)
			}
			if n := c.m.clients(); n != 2 {
				t.Errorf("clients: %d, want the 2 workers", n)
			}
			// The master's CPU includes its broker's.
			broker, err1 := c.m.(*natsMaster).srv.cpu()
			self, err2 := selfCPU()
			total, err3 := c.CPU()
			if broker <= 0 || total < self+broker || err1 != nil || err2 != nil || err3 != nil {
				t.Errorf("master cpu %v, this process %v, nats-server %v (%v, %v, %v)", total, self, broker, err1, err2, err3)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if err := leakcheck.Check(before); err != nil {
				t.Error(err)
			}
			if err := leakcheck.TempLeft(os.TempDir()); err != nil {
				t.Error(err)
			}
		})
	}
}

// Without the nats-server executable the nats queues fail to start with
// one line that names the Debian package, and leave nothing behind.
func TestNATSServerMissing(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "nats-server")
	for _, q := range []Queue{NATS, JetStream} {
		before := leakcheck.Take()
		c, err := Start(Config{Queue: q, Task: Square, Procs: 1, Secret: "s", NATSBin: bin})
		if err == nil {
			c.Close()
			t.Fatalf("%s started without %s", q, bin)
		}
		if !errors.Is(err, deps.ErrMissing) {
			t.Errorf("%s: error %q does not wrap deps.ErrMissing", q, err)
		}
		if !strings.Contains(err.Error(), "Debian's nats-server") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line naming the Debian package", q, err)
		}
		if err := leakcheck.Check(before); err != nil {
			t.Error(err)
		}
	}
}

// A nats-server that cannot listen fails Start at once, saying why in one
// line, and leaves nothing behind.
func TestNATSServerPortTaken(t *testing.T) {
	if err := deps.NATS.Check(); err != nil {
		t.Skip(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	before := leakcheck.Take()
	t0 := time.Now()
	c, err := Start(Config{Queue: NATS, Task: Square, Procs: 1, Secret: "s", Listen: ln.Addr().String()})
	if err == nil {
		c.Close()
		t.Fatal("nats-server started on a port in use")
	}
	if !strings.Contains(err.Error(), "address already in use") || strings.Contains(err.Error(), "\n") || time.Since(t0) > (Config{}).withDefaults().NATSStartTimeout/2 {
		t.Errorf("error %q after %v, want one line saying the address is in use, at once", err, time.Since(t0))
	}
	if err := leakcheck.Check(before); err != nil {
		t.Error(err)
	}
	if err := leakcheck.TempLeft(os.TempDir()); err != nil {
		t.Error(err)
	}
}

// The secret reaches nats-server as its token whatever it holds: a client
// with it is let in, one without it is refused.
func TestNATSServerToken(t *testing.T) {
	if err := deps.NATS.Check(); err != nil {
		t.Skip(err)
	}
	for _, secret := range []string{"s", `a "quoted" \back\slash $VAR {x} # not a comment`} {
		c, err := Start(Config{Queue: NATS, Task: Square, Secret: secret, NoWorkers: true})
		if err != nil {
			t.Fatalf("secret %q: %v", secret, err)
		}
		for _, try := range []string{secret, secret + "x"} {
			nc, err := nats.Connect(c.Addr(), nats.Token(try), nats.NoReconnect())
			if err == nil {
				nc.Close()
			}
			if (err == nil) != (try == secret) {
				t.Errorf("secret %q, client token %q: %v", secret, try, err)
			}
		}
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := Start(Config{Queue: NATS, Task: Square, Secret: "a\nb", NoWorkers: true}); err == nil || strings.Contains(err.Error(), "a\nb") {
		t.Errorf("a secret with a newline: %v", err)
	}
}

// TestNATSServerAnyAddress: a broker on every address (a master started
// with -listen :PORT) is reached by the master's own clients on loopback,
// not on whichever interface its ports file lists first.
func TestNATSServerAnyAddress(t *testing.T) {
	if err := deps.NATS.Check(); err != nil {
		t.Skip(err)
	}
	for _, host := range []string{"", "0.0.0.0"} {
		s, err := startNATSServer(host, 0, Config{Queue: NATS, Secret: "s"}.withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		h, _, _ := net.SplitHostPort(s.addr)
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
		}
		if h != "127.0.0.1" || err != nil {
			t.Errorf("listen %q: clients go to %s (%v), want 127.0.0.1", host, s.addr, err)
		}
		if err := s.close(); err != nil {
			t.Error(err)
		}
	}
}

func TestClientAddr(t *testing.T) {
	for _, c := range []struct{ host, listed, want string }{
		{"0.0.0.0", "192.0.2.2:4222", "127.0.0.1:4222"},
		{"", "[fd00::2]:4222", "127.0.0.1:4222"},
		{"::", "192.0.2.2:4222", "127.0.0.1:4222"},
		{"198.18.0.1", "198.18.0.1:4222", "198.18.0.1:4222"},
	} {
		if got := clientAddr(c.host, c.listed); got != c.want {
			t.Errorf("clientAddr(%q, %q) = %q, want %q", c.host, c.listed, got, c.want)
		}
	}
}
