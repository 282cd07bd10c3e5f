// Package netns makes the "hosts" of the distributed family on one machine:
// each host is a network namespace with a veth link to a bridge in the root
// namespace, where the master listens. Traffic between the master and a
// worker host crosses a real veth pair and the bridge, as it would cross a
// NIC, and nothing leaves the machine.
//
// A caller checks deps.Namespaces (root and ip(8) are needed), calls Create for n
// hosts and Close when done; Delay gives the links a round trip (see
// delay.go) and LinkRTT reads the one TCP measures. Addresses come from
// 198.18.0.0/15, the range reserved for network benchmarks: each run claims
// a /24 that no live run and no interface holds, the bridge at .1 and host
// i at .2+i.
//
// Names carry a random run id, not the pid: cbd<id>b (bridge),
// cbd<id>v<i> (host i's root end), cbd<id>t<i> (its delay line's root end),
// cbdist-<id>-<i> (its namespace). Before it makes anything a run writes
// its owner (pid, the pid's start time, the boot) to a state file
// /run/concbench-netns/<id>, and removes the file last. RemoveStale removes
// every set whose owner is gone: no such pid, or the pid now names another
// process (its start time differs), or another boot; and any name of ours
// with no state file. Create calls it, and so does every test binary at its
// start (internal/leakcheck). Close runs on SIGINT and SIGTERM too.
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

	"github.com/concbench/concbench/internal/deps"
)

const (
	nsPrefix   = "cbdist-" // namespace names: cbdist-<id>-<i>
	linkPrefix = "cbd"     // link names: cbd<id><kind><i>
)

// Host is one worker host.
type Host struct {
	NS   string // namespace name, for Join and ip netns exec
	Veth string // the root-namespace end of its link
	Tun  string // the root-namespace end of its delay line, while one runs
	Addr string // its address
}

// Hosts is a bridge with its hosts.
type Hosts struct {
	ID     string // the run id in every name
	Bridge string
	Master string // the bridge's address: where the master listens
	Hosts  []Host

	once   sync.Once
	err    error
	stopCh chan struct{}
	done   chan struct{}
}

// Create makes n hosts. What a dead run left is removed first. On error
// nothing of this call is left.
func Create(n int) (*Hosts, error) {
	if err := deps.Check(deps.Namespaces...); err != nil {
		return nil, err
	}
	id, o, err := claim()
	if err != nil {
		return nil, err
	}
	net := o.subnet()
	h := &Hosts{ID: id, Bridge: linkPrefix + id + "b", Master: net + "1"}
	cmds := [][]string{
		{"link", "add", h.Bridge, "type", "bridge"},
		{"addr", "add", h.Master + "/24", "dev", h.Bridge},
		{"link", "set", h.Bridge, "up"},
	}
	for i := range n {
		host := Host{NS: fmt.Sprintf("%s%s-%d", nsPrefix, id, i), Veth: fmt.Sprintf("%s%sv%d", linkPrefix, id, i),
			Tun: fmt.Sprintf("%s%st%d", linkPrefix, id, i), Addr: net + strconv.Itoa(2+i)}
		peer := fmt.Sprintf("%s%sp%d", linkPrefix, id, i)
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

// Close removes the namespaces (which takes their veth ends with them), the
// bridge and the state file. It may be called more than once.
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
		errs = append(errs, delLink(h.Bridge), unclaim(h.ID))
		h.err = errors.Join(errs...)
	})
	return h.err
}

// SetLink sets host i's link up or down (the "link down" fault). It acts
// on the veth: while a delay line runs (OpenLine) the traffic takes the
// line instead, so the fault rows run without one.
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
// first n hosts' links, and of their delay lines while they run: what
// crossed the "network", headers included. A delay line carries IP packets
// with no Ethernet header; 14 bytes a packet are added for it.
func (h *Hosts) WireBytes(n int) (uint64, error) {
	var sum uint64
	for _, host := range h.Hosts[:n] {
		v, err := devBytes(host.Veth, 0)
		if err != nil {
			return 0, err
		}
		sum += v
		if _, err := os.Stat("/sys/class/net/" + host.Tun); err != nil {
			continue // no delay line
		}
		if v, err = devBytes(host.Tun, 14); err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// devBytes is what device dev received and sent, with header bytes added
// for each packet.
func devBytes(dev string, header uint64) (uint64, error) {
	var sum uint64
	for _, f := range []string{"rx_bytes", "tx_bytes", "rx_packets", "tx_packets"} {
		v, err := readUint("/sys/class/net/" + dev + "/statistics/" + f)
		if err != nil {
			return 0, err
		}
		if strings.HasSuffix(f, "packets") {
			v *= header
		}
		sum += v
	}
	return sum, nil
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("netns: %w", err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("netns: %s: %w", path, err)
	}
	return v, nil
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
