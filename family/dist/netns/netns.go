// Package netns makes the "hosts" of the distributed family on one machine:
// each host is a network namespace with a veth link to a bridge in the root
// namespace, where the master listens. Traffic between the master and a
// worker host crosses a real veth pair and the bridge, as it would cross a
// NIC, and nothing leaves the machine.
//
// A caller checks Available (root and ip(8) are needed), calls Create for n
// hosts and Close when done. Addresses come from 198.18.0.0/15, the range
// reserved for network benchmarks: one /24 per owning process, the bridge
// at .1 and host i at .2+i. Every name carries the owner's pid
// (cbd<pid>br, cbd<pid>v<i>, cbdist-<pid>-<i>), so Create first removes what
// a run that died (SIGKILL, OOM) left behind, and only what belongs to a
// dead pid. Close runs on SIGINT and SIGTERM too (see Create).
//
// A worker process enters its host with Join, on a locked thread, before it
// opens a socket: a socket belongs to the namespace of the thread that
// created it for its whole life.
package netns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	nsPrefix   = "cbdist-" // namespace names: cbdist-<pid>-<i>
	linkPrefix = "cbd"     // link names: cbd<pid>br, cbd<pid>v<i>
)

// Available says why hosts cannot be made here (not root, no ip on PATH),
// in one line, or returns nil.
func Available() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("network namespaces need root (running as uid %d)", os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("network namespaces need ip (iproute2), not on PATH")
	}
	return nil
}

// Host is one worker host.
type Host struct {
	NS   string // namespace name, for Join and ip netns exec
	Veth string // the root-namespace end of its link
	Addr string // its address
}

// Hosts is a bridge with its hosts.
type Hosts struct {
	Bridge string
	Master string // the bridge's address: where the master listens
	Hosts  []Host

	once   sync.Once
	err    error
	stopCh chan struct{}
	done   chan struct{}
}

// subnet is the owner's /24 in 198.18.0.0/15, from its pid: two live runs
// collide only when their pids are equal modulo 512.
func subnet(pid int) string {
	i := pid % 512
	return fmt.Sprintf("198.%d.%d.", 18+i/256, i%256)
}

// Create makes n hosts. What a dead run left is removed first. On error
// nothing of this call is left.
func Create(n int) (*Hosts, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if err := RemoveStale(); err != nil {
		return nil, err
	}
	pid := os.Getpid()
	net := subnet(pid)
	h := &Hosts{Bridge: fmt.Sprintf("%s%dbr", linkPrefix, pid), Master: net + "1"}
	cmds := [][]string{
		{"link", "add", h.Bridge, "type", "bridge"},
		{"addr", "add", h.Master + "/24", "dev", h.Bridge},
		{"link", "set", h.Bridge, "up"},
	}
	for i := range n {
		host := Host{NS: fmt.Sprintf("%s%d-%d", nsPrefix, pid, i), Veth: fmt.Sprintf("%s%dv%d", linkPrefix, pid, i), Addr: net + strconv.Itoa(2+i)}
		peer := fmt.Sprintf("%s%dp%d", linkPrefix, pid, i)
		h.Hosts = append(h.Hosts, host)
		cmds = append(cmds,
			[]string{"netns", "add", host.NS},
			[]string{"link", "add", host.Veth, "type", "veth", "peer", "name", peer},
			[]string{"link", "set", peer, "netns", host.NS},
			[]string{"link", "set", host.Veth, "master", h.Bridge, "up"},
			[]string{"-n", host.NS, "link", "set", peer, "name", "eth0"},
			[]string{"-n", host.NS, "addr", "add", host.Addr + "/24", "dev", "eth0"},
			[]string{"-n", host.NS, "link", "set", "eth0", "up"},
			[]string{"-n", host.NS, "link", "set", "lo", "up"},
		)
	}
	h.watchSignals()
	for _, c := range cmds {
		if err := ip(c...); err != nil {
			h.Close()
			return nil, err
		}
	}
	return h, nil
}

// watchSignals removes the hosts on SIGINT or SIGTERM and then dies of the
// signal, as the process would have without the handler.
func (h *Hosts) watchSignals() {
	h.stopCh, h.done = make(chan struct{}), make(chan struct{})
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		defer close(h.done)
		defer signal.Stop(ch)
		select {
		case sig := <-ch:
			h.remove()
			signal.Reset(sig)
			syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-h.stopCh:
		}
	}()
}

// Close removes the namespaces (which takes their veth ends with them) and
// the bridge. It may be called more than once.
func (h *Hosts) Close() error {
	if h.stopCh != nil {
		select {
		case <-h.stopCh:
		default:
			close(h.stopCh)
		}
		<-h.done
	}
	return h.remove()
}

func (h *Hosts) remove() error {
	h.once.Do(func() {
		var errs []error
		for _, host := range h.Hosts {
			errs = append(errs, delNS(host.NS), delLink(host.Veth))
		}
		errs = append(errs, delLink(h.Bridge))
		h.err = errors.Join(errs...)
	})
	return h.err
}

// SetLink sets host i's link up or down (the "link down" fault).
func (h *Hosts) SetLink(i int, up bool) error {
	if !up {
		return ip("link", "set", h.Hosts[i].Veth, "down")
	}
	if err := ip("link", "set", h.Hosts[i].Veth, "up"); err != nil {
		return err
	}
	// Neighbour entries that failed while the link was down would answer
	// the next connect with "no route to host" for a while.
	if err := ip("-n", h.Hosts[i].NS, "neigh", "flush", "all"); err != nil {
		return err
	}
	return ip("neigh", "flush", "dev", h.Bridge)
}

// WireBytes is the sum of bytes received and sent on the root ends of the
// first n hosts' links: what crossed the "network", headers included.
func (h *Hosts) WireBytes(n int) (uint64, error) {
	var sum uint64
	for _, host := range h.Hosts[:n] {
		for _, f := range []string{"rx_bytes", "tx_bytes"} {
			p := "/sys/class/net/" + host.Veth + "/statistics/" + f
			b, err := os.ReadFile(p)
			if err != nil {
				return 0, fmt.Errorf("netns: %w", err)
			}
			v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("netns: %s: %w", p, err)
			}
			sum += v
		}
	}
	return sum, nil
}

// Join moves the calling goroutine's thread into namespace ns, and locks the
// goroutine to it for good. Call it first in a worker role: sockets the
// goroutine opens afterwards live in ns.
func Join(ns string) error {
	runtime.LockOSThread() // never unlocked: the thread is not the root namespace's any more
	f, err := os.Open("/var/run/netns/" + ns)
	if err != nil {
		return fmt.Errorf("netns: join: %w", err)
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns: join %s: %w", ns, err)
	}
	return nil
}

// RemoveStale removes namespaces and links whose owner pid is dead, and
// nothing else.
func RemoveStale() error {
	var errs []error
	ents, _ := os.ReadDir("/var/run/netns")
	for _, e := range ents {
		if pid, ok := ownerPid(e.Name(), nsPrefix); ok && dead(pid) {
			errs = append(errs, delNS(e.Name()))
		}
	}
	links, _ := os.ReadDir("/sys/class/net")
	for _, l := range links {
		if pid, ok := ownerPid(l.Name(), linkPrefix); ok && dead(pid) {
			errs = append(errs, delLink(l.Name()))
		}
	}
	return errors.Join(errs...)
}

// ownerPid reads the digits after prefix, up to the next non-digit, which
// must be there (a name is never just prefix and digits).
func ownerPid(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end <= 0 {
		return 0, false
	}
	pid, err := strconv.Atoi(rest[:end])
	return pid, err == nil && pid > 0
}

func dead(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}

func delNS(name string) error {
	if _, err := os.Stat("/var/run/netns/" + name); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return ip("netns", "del", name)
}

func delLink(name string) error {
	if _, err := os.Stat("/sys/class/net/" + name); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	err := ip("link", "del", name)
	if err != nil && strings.Contains(err.Error(), "Cannot find device") {
		return nil // a veth goes with its namespace's end, a moment later
	}
	return err
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netns: ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
