package netns

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concbench/concbench/internal/deps"
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
		os.Stdout.WriteString(h.Hosts[0].NS + " " + h.Hosts[1].Veth + " " + h.Bridge + " " + h.Master + "\n")
		select {} // until SIGKILLed
	})
}

func skip(t *testing.T) {
	if err := deps.Check(deps.Namespaces...); err != nil {
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
	state := filepath.Join(stateDir, h.ID)
	if _, err := os.Stat(state); err != nil {
		t.Errorf("no state file: %v", err)
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
	if _, err := os.Stat(state); err == nil {
		t.Errorf("state file %s left after Close", state)
	}
}

// Ctrl-C (SIGINT) or SIGTERM removes the hosts before the process dies of
// the signal.
func TestRemovedOnSignal(t *testing.T) {
	skip(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		c, names := startHolder(t)
		names = names[:3]
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

// startHolder starts a process that makes two hosts and waits; it prints
// host 0's namespace, host 1's veth, the bridge and the master's address.
func startHolder(t *testing.T) (*proc.Child, []string) {
	t.Helper()
	c, names, err := holder()
	if err != nil {
		t.Fatal(err)
	}
	return c, names
}

func holder() (*proc.Child, []string, error) {
	c, err := proc.Start(roleHold, proc.Options{})
	if err != nil {
		return nil, nil, err
	}
	line, err := bufio.NewReader(c.Out).ReadString('\n')
	if err != nil {
		c.Kill()
		return nil, nil, err
	}
	return c, strings.Fields(line), nil
}

// A run killed with SIGKILL cannot clean up; the next Create (through
// RemoveStale) removes what it left.
func TestStaleRemovedAfterSIGKILL(t *testing.T) {
	skip(t)
	c, names := startHolder(t)
	c.Kill()
	names = names[:3] // without the address
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

// RemoveStale judges a run by its state file: a set whose owner is dead,
// whose pid now names another process, or that has no state file (or one
// that does not read) is removed; a live owner's is kept.
func TestRemoveStale(t *testing.T) {
	skip(t)
	me, _ := ownerOf(os.Getpid())
	initProc, _ := ownerOf(1)
	for _, c := range []struct {
		name    string
		state   string // "" removes the file
		removed bool
	}{
		{"live owner", me.String(), false},
		{"another live process", initProc.String(), false},
		{"dead owner", owner{Pid: 1<<22 + 1, Start: me.Start, Boot: me.Boot}.String(), true}, // above any pid_max
		{"reused pid", owner{Pid: me.Pid, Start: me.Start + "1", Boot: me.Boot}.String(), true},
		{"another boot", owner{Pid: me.Pid, Start: me.Start, Boot: "x" + me.Boot}.String(), true},
		{"no state file", "", true},
		{"unreadable state file", "12 garbage\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := Create(1)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			file := filepath.Join(stateDir, h.ID)
			if c.state == "" {
				err = os.Remove(file)
			} else {
				err = os.WriteFile(file, []byte(c.state), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := RemoveStale(); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{h.Bridge, h.Hosts[0].NS, h.Hosts[0].Veth} {
				if exists(n) == c.removed {
					t.Errorf("%s: exists %v, want %v", n, !c.removed, !c.removed)
				}
			}
			if _, err := os.Stat(file); c.state != "" && (err == nil) == c.removed {
				t.Errorf("state file: exists %v, want %v", err == nil, !c.removed)
			}
		})
	}
}

// Two runs at once, in two processes or in one, get names and /24s of
// their own.
func TestTwoRunsAtOnce(t *testing.T) {
	skip(t)
	type run struct {
		c     *proc.Child
		names []string
		err   error
	}
	ch := make(chan run)
	for range 2 {
		go func() {
			c, names, err := holder()
			ch <- run{c, names, err}
		}()
	}
	a, b := <-ch, <-ch
	for _, r := range []run{a, b} {
		if r.err != nil {
			t.Fatal(r.err)
		}
		r.c.Kill()
	}
	defer func() {
		if err := RemoveStale(); err != nil {
			t.Error(err)
		}
		for _, n := range append(a.names[:3], b.names[:3]...) {
			if exists(n) {
				t.Errorf("%s left", n)
			}
		}
	}()
	h1, err := Create(2)
	if err != nil {
		t.Fatal(err)
	}
	defer h1.Close()
	h2, err := Create(2)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	c := run{names: []string{h1.Hosts[0].NS, h1.Hosts[1].Veth, h1.Bridge, h1.Master}}
	d := run{names: []string{h2.Hosts[0].NS, h2.Hosts[1].Veth, h2.Bridge, h2.Master}}
	for _, p := range [][2]run{{a, b}, {c, d}} {
		t.Logf("%v and %v", p[0].names, p[1].names)
		for i := range 3 {
			if p[0].names[i] == p[1].names[i] {
				t.Errorf("both runs named %s", p[0].names[i])
			}
		}
		if net := func(addr string) string { return addr[:strings.LastIndexByte(addr, '.')] }; net(p[0].names[3]) == net(p[1].names[3]) {
			t.Errorf("both runs on %s.0/24", net(p[0].names[3]))
		}
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct {
		name, prefix, kinds string
		id                  string
	}{
		{"cbdist-ab12cd-0", nsPrefix, "-", "ab12cd"},
		{"cbdab12cdb", linkPrefix, "bvpt", "ab12cd"},
		{"cbdab12cdt3", linkPrefix, "bvpt", "ab12cd"},
		{"cbdab12cdx3", linkPrefix, "bvpt", ""}, // not a kind of ours
		{"cbd1b12cdv0", linkPrefix, "bvpt", ""}, // the pid-named scheme
		{"cbdab12c", linkPrefix, "bvpt", ""},
		{"eth0", linkPrefix, "bvpt", ""},
	} {
		id, ok := runID(c.name, c.prefix, c.kinds)
		if ok != (c.id != "") || id != c.id && ok {
			t.Errorf("runID(%q) = %q, %v; want %q", c.name, id, ok, c.id)
		}
	}
	for range 100 {
		id := newID()
		if !validID(id) || len(linkPrefix+id+"v9999") > 15 {
			t.Fatalf("newID() = %q: not a valid id, or names too long", id)
		}
	}
	dead := strconv.Itoa(1<<22 + 1)
	for _, c := range []struct {
		name  string
		stale bool
	}{
		{"cbd" + dead + "br", true},
		{"cbdist-" + dead + "-0", true},
		{"cbd" + strconv.Itoa(os.Getpid()) + "br", false},
		{"cbd" + dead, false}, // a name never ends at the pid
		{"cbdab12cdb", false},
	} {
		prefix := linkPrefix
		if strings.HasPrefix(c.name, nsPrefix) {
			prefix = nsPrefix
		}
		if got := legacyStale(c.name, prefix); got != c.stale {
			t.Errorf("legacyStale(%q) = %v, want %v", c.name, got, c.stale)
		}
	}
}

// Where the kernel has netem, Netem puts it on both ends of a link and
// takes it off; where it has none, Netem fails and leaves the links as
// they were (the caller then runs a delay line).
func TestNetem(t *testing.T) {
	skip(t)
	h, err := Create(1)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	qdiscs := func() string {
		a, _ := exec.Command("tc", "qdisc", "show", "dev", h.Hosts[0].Veth).CombinedOutput()
		b, _ := exec.Command("tc", "-n", h.Hosts[0].NS, "qdisc", "show", "dev", "eth0").CombinedOutput()
		return string(a) + string(b)
	}
	if err := h.Netem(1, 500*time.Microsecond); err != nil {
		t.Logf("no netem here: %v", err)
		if q := qdiscs(); strings.Contains(q, "netem") {
			t.Errorf("a failed Netem left %s", q)
		}
		return
	}
	if q := qdiscs(); strings.Count(q, "netem") != 2 || !strings.Contains(q, "delay 500us") {
		t.Errorf("qdiscs after Netem: %s, want netem delay 500us on both ends", q)
	}
	if err := h.Netem(1, 0); err != nil {
		t.Fatal(err)
	}
	if q := qdiscs(); strings.Contains(q, "netem") {
		t.Errorf("qdiscs after Netem(0): %s", q)
	}
}
