package distributed

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/internal/netns"
	"github.com/concbench/concbench/proc"
)

// rtt= is a property of the hosts' links: every packet between the master
// and a host, both ways and ACKs included, waits half the round trip, so
// TCP's own RTT estimate, windows and ACK clock are those of a real link.
// Where the kernel has netem the links get netem qdiscs; elsewhere (this
// kernel has none) a delay line per host (netns.OpenLine), which a child
// process (role RoleDelay, so that its CPU is not the master's) runs: it
// copies each packet from one TUN end to the other half the round trip
// after it came out. Packets queue behind each other without waiting for
// each other, so a pipelined stream keeps its rate and pays the delay
// once; a protocol that waits for each answer pays the whole round trip.

// RoleDelay is the delay line's role.
const RoleDelay = "dist-delay"

const (
	envLine  = "CONCBENCH_DIST_LINE" // master;ns,addr,tun;ns,addr,tun...
	envDelay = "CONCBENCH_DIST_DELAY"
)

func init() { proc.Register(RoleDelay, serveDelay) }

// delay is a round trip added to the first n hosts' links: netem's, or a
// delay line's child.
type delay struct {
	h     *netns.Hosts
	n     int
	child *proc.Child
}

// startDelay adds rtt to the links of the first n of h's hosts until
// Close.
func startDelay(h *netns.Hosts, n int, rtt time.Duration) (*delay, error) {
	if h == nil {
		return nil, errors.New("dist: rtt needs hosts: it is a delay on their links")
	}
	errNetem := h.Netem(n, rtt/2)
	if errNetem == nil {
		return &delay{h: h, n: n}, nil
	}
	line := []string{h.Master}
	for _, host := range h.Hosts[:n] {
		line = append(line, host.NS+","+host.Addr+","+host.Tun)
	}
	c, err := proc.Start(RoleDelay, proc.Options{Env: []string{
		envLine + "=" + strings.Join(line, ";"), envDelay + "=" + (rtt / 2).String()}})
	if err != nil {
		return nil, fmt.Errorf("dist: delay line (no netem: %v): %w", errNetem, err)
	}
	return &delay{h: h, n: n, child: c}, nil
}

// Close takes the delay off the links. The error says if the delay line
// died before it was asked to end.
func (d *delay) Close() error {
	if d.child == nil {
		return d.h.Netem(d.n, 0)
	}
	if err := d.child.Close(); err != nil {
		return fmt.Errorf("dist: delay line: %s", d.child.Status())
	}
	return nil
}

func serveDelay() int {
	if err := runDelay(); err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-delay:", err)
		return 1
	}
	return 0
}

// runDelay opens each host's line and copies packets until stdin closes
// (the parent's Close, or its death).
func runDelay() error {
	d, err := time.ParseDuration(os.Getenv(envDelay))
	if err != nil {
		return err
	}
	realtime()
	spec := strings.Split(os.Getenv(envLine), ";")
	// A writer asleep in nanosleep(2) keeps its P until sysmon takes it
	// back, which can take milliseconds when the process is idle; with a P
	// for every writer and two more, a reader never waits for one.
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2*len(spec)))
	errc := make(chan error, 2*len(spec))
	var calibrated sync.WaitGroup
	for _, s := range spec[1:] {
		f := strings.Split(s, ",")
		if len(f) != 3 {
			return fmt.Errorf("bad %s entry %q", envLine, s)
		}
		root, inHost, err := netns.OpenLine(netns.Host{NS: f[0], Addr: f[1], Tun: f[2]}, spec[0])
		if err != nil {
			return err
		}
		calibrated.Add(2)
		go func() { errc <- pump(root, inHost, d, calibrated.Done) }()
		go func() { errc <- pump(inHost, root, d, calibrated.Done) }()
	}
	realtime() // the threads made since
	calibrated.Wait()
	if err := proc.Ready(); err != nil {
		return err
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		errc <- nil
	}()
	return <-errc
}

// realtime puts this process's threads on SCHED_FIFO (threads made later
// inherit it from their maker): netem delays in softirq, ahead of every
// task, and so does the line, so that a busy machine does not stretch the
// link (a 2-vCPU machine running nats at 100k tasks/s across two hosts
// stretched it by 20%). It sleeps between packets, so it takes no more CPU
// than at normal priority. Where it is not allowed the line runs at normal
// priority; link-rtt-ns shows what that costs.
func realtime() {
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			unix.SchedSetAttr(tid, &unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 1}, 0)
		}
	}
}

type packet struct {
	b   []byte
	due time.Time
}

// pump copies the packets that come out of src into dst, each d after it
// came out, in order. A full queue blocks the reader, and the kernel then
// drops at the TUN's own queue, as a router would. calibrated is called
// once the writer knows its wake-up latency, before the first packet.
func pump(src, dst *os.File, d time.Duration, calibrated func()) error {
	q := make(chan packet, 4096)
	rerr := make(chan error, 1)
	go func() {
		defer close(q)
		buf := make([]byte, 1<<16)
		for {
			n, err := src.Read(buf)
			if err != nil {
				rerr <- fmt.Errorf("delay line read: %w", err)
				return
			}
			q <- packet{append([]byte(nil), buf[:n]...), time.Now().Add(d)}
		}
	}()
	runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
	var w waker
	for range len(w.lat) {
		w.sleep(time.Now().Add(d))
	}
	calibrated()
	for p := range q {
		w.sleep(p.due)
		if _, err := dst.Write(p.b); err != nil {
			return fmt.Errorf("delay line write: %w", err)
		}
	}
	return <-rerr
}

// waker sleeps a locked thread until a due time. The thread's timer slack
// is 1 ns: the default (50 µs) lets every wake-up come that much late.
// What is left, the wake-up's own latency (tens of µs in a VM, whose idle
// vCPU the timer must wake), is measured, and its least over the last
// wake-ups is slept off early: a packet is then written at its due time,
// a little after it, or (when a wake-up is quicker than the last 16) a few
// µs before it.
type waker struct {
	lat [16]time.Duration // the last wake-ups' latencies, a ring
	n   int
}

func (w *waker) sleep(due time.Time) {
	if w.n == 0 {
		unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	}
	target := due.Add(-slices.Min(w.lat[:max(1, min(w.n, len(w.lat)))]))
	if time.Until(target) <= 0 {
		return
	}
	sleepUntil(target)
	w.lat[w.n%len(w.lat)] = time.Since(target)
	w.n++
}

// sleepUntil sleeps in nanosleep(2) rather than time.Sleep: the runtime's
// idle wait is epoll_wait, whose timeout is whole milliseconds, so a 0.5 ms
// time.Sleep in an idle process takes 1 ms or more. The writer's thread
// blocks instead, which is what this process is for.
func sleepUntil(t time.Time) {
	if w := time.Until(t); w > 0 {
		ts := unix.NsecToTimespec(int64(w))
		unix.Nanosleep(&ts, nil)
	}
}
