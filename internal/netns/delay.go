package netns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A link's round trip is added where every packet passes, both ways, so
// that TCP itself sees it: its ACKs wait as its data does, and its windows
// and RTT estimate are those of a real link of that round trip.
//
// Where the kernel has netem, Netem puts a netem qdisc delaying half the
// round trip on each end of a host's veth. Elsewhere a caller opens a delay
// line with OpenLine: a TUN device in the root namespace (Host.Tun) and one
// in the host's (lineName), and a /32 route on each side that sends the
// traffic between the master's address and the host's through them instead
// of the veth. The caller then copies each packet that comes out of one
// end into the other, half the round trip later. The devices, and the
// routes with them, go when their files are closed or the process dies;
// the traffic then takes the veth again.

// lineName is a delay line's end inside a host's namespace.
const lineName = "delay0"

// Netem sets netem delays of d on both ends of the first n hosts' links,
// or removes them when d is 0. It fails where the kernel has no netem (or
// there is no tc); the links are then as they were.
func (h *Hosts) Netem(n int, d time.Duration) error {
	if _, err := exec.LookPath("tc"); err != nil {
		return errors.New("netns: netem needs tc (iproute2), not on PATH")
	}
	op, tail := "del", []string(nil)
	if d > 0 {
		op, tail = "replace", []string{"netem", "delay", fmt.Sprintf("%dus", d.Microseconds()), "limit", "100000"}
	}
	var errs []error
	for _, host := range h.Hosts[:n] {
		for _, args := range [][]string{
			{"qdisc", op, "dev", host.Veth, "root"},
			{"-n", host.NS, "qdisc", op, "dev", "eth0", "root"},
		} {
			args = append(args, tail...)
			if out, err := exec.Command("tc", args...).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("netns: tc %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out))))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		if d > 0 {
			h.Netem(n, 0) // undo the ends that took it
		}
		return err
	}
	return nil
}

// OpenLine makes host's delay line towards master (the master's address)
// and returns its two ends: packets read from root are on their way to
// the host, to be written to inHost; packets read from inHost are on their
// way to the master, to be written to root.
func OpenLine(host Host, master string) (root, inHost *os.File, err error) {
	if root, err = openTUN(host.Tun); err != nil {
		return nil, nil, err
	}
	if inHost, err = openTUNIn(host.NS, lineName); err != nil {
		root.Close()
		return nil, nil, err
	}
	for _, c := range [][]string{
		{"link", "set", host.Tun, "up"},
		{"route", "add", host.Addr + "/32", "dev", host.Tun, "src", master},
		{"-n", host.NS, "link", "set", lineName, "up"},
		{"-n", host.NS, "route", "add", master + "/32", "dev", lineName, "src", host.Addr},
	} {
		if err := ip(c...); err != nil {
			root.Close()
			inHost.Close()
			return nil, nil, err
		}
	}
	return root, inHost, nil
}

// openTUN makes TUN device name in the calling thread's namespace: IP
// packets, no header, non-blocking so that reads wait in Go's poller.
func openTUN(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("netns: delay line %s: %w", name, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err == nil {
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netns: delay line %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// openTUNIn makes the TUN device in namespace ns: a device is made in the
// namespace of the thread that opens it, so a thread of its own enters ns,
// opens it and ends with its goroutine (it stays locked).
func openTUNIn(ns, name string) (*os.File, error) {
	type res struct {
		f   *os.File
		err error
	}
	ch := make(chan res)
	go func() {
		if err := Join(ns); err != nil {
			ch <- res{nil, err}
			return
		}
		f, err := openTUN(name)
		ch <- res{f, err}
	}()
	r := <-ch
	return r.f, r.err
}
