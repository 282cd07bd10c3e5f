package netns

import (
	"bufio"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/leakcheck"
	"github.com/concbench/concbench/proc"
)

const roleHold = "netns-test-hold"

func init() {
	proc.Register(roleHold, func() int {
		h, err := Create(2)
		if err != nil {
			os.Stderr.WriteString(err.Error())
			return 1
		}
		proc.Ready()
		os.Stdout.WriteString(h.Hosts[0].NS + " " + h.Hosts[1].Veth + " " + h.Bridge + "\n")
		select {} // until SIGKILLed
	})
}

func TestMain(m *testing.M) { leakcheck.Main(m, nil) }

func skip(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
}

func exists(name string) bool {
	for _, p := range []string{"/var/run/netns/" + name, "/sys/class/net/" + name} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func TestCreateClose(t *testing.T) {
	skip(t)
	h, err := Create(2)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{h.Bridge}
	for _, host := range h.Hosts {
		names = append(names, host.NS, host.Veth)
		if !strings.HasPrefix(host.Addr, "198.1") {
			t.Errorf("host address %s outside 198.18.0.0/15", host.Addr)
		}
	}
	for _, n := range names {
		if !exists(n) {
			t.Errorf("%s not created", n)
		}
	}
	// A live owner's namespaces are not stale.
	if err := RemoveStale(); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !exists(n) {
			t.Errorf("RemoveStale removed %s of a live owner", n)
		}
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if exists(n) {
			t.Errorf("%s left after Close", n)
		}
	}
}

// Ctrl-C (SIGINT) or SIGTERM removes the hosts before the process dies of
// the signal.
func TestRemovedOnSignal(t *testing.T) {
	skip(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		c, names := startHolder(t)
		err := c.Signal(sig, 5*time.Second)
		ws, _ := c.Cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("holder ended %v (%v), want killed by %v", c.Status(), err, sig)
		}
		for _, n := range names {
			if exists(n) {
				t.Errorf("%s left after %v", n, sig)
			}
		}
	}
}

// startHolder starts a process that makes two hosts and waits.
func startHolder(t *testing.T) (*proc.Child, []string) {
	t.Helper()
	c, err := proc.Start(roleHold, proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c.Out).ReadString('\n')
	if err != nil {
		c.Kill()
		t.Fatal(err)
	}
	return c, strings.Fields(line)
}

// A run killed with SIGKILL cannot clean up; the next Create (through
// RemoveStale) removes what it left.
func TestStaleRemovedAfterSIGKILL(t *testing.T) {
	skip(t)
	c, names := startHolder(t)
	c.Kill()
	for _, n := range names {
		if !exists(n) {
			t.Fatalf("%s not there after the owner was killed", n)
		}
	}
	h, err := Create(1)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, n := range names {
		if exists(n) {
			t.Errorf("stale %s not removed by the next Create", n)
		}
	}
}

func TestOwnerPid(t *testing.T) {
	for _, c := range []struct {
		name, prefix string
		pid          int
		ok           bool
	}{
		{"cbdist-123-0", nsPrefix, 123, true},
		{"cbd77br", linkPrefix, 77, true},
		{"cbd77", linkPrefix, 0, false}, // a name never ends at the pid
		{"cbdx1", linkPrefix, 0, false},
		{"eth0", linkPrefix, 0, false},
	} {
		pid, ok := ownerPid(c.name, c.prefix)
		if ok != c.ok || ok && pid != c.pid {
			t.Errorf("ownerPid(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}
