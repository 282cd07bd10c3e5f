package dist

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/proc"
)

// This kernel has no netem, so link delay is a forwarder in user space on
// the path: workers connect to it, it connects to the master, and every
// chunk it reads waits half the round trip before it is written on. Chunks
// queue behind each other without waiting for each other, so a pipelined
// stream keeps its rate and only pays the delay once; a protocol that
// waits for each answer pays the whole round trip per item. It runs as a
// child process (role RoleDelay) so that its CPU is not the master's.

// RoleDelay is the forwarder's role.
const RoleDelay = "dist-delay"

const (
	envListen = "CONCBENCH_DIST_LISTEN"
	envTarget = "CONCBENCH_DIST_TARGET"
	envDelay  = "CONCBENCH_DIST_DELAY"
)

func init() { proc.Register(RoleDelay, serveDelay) }

// startDelay starts a forwarder listening on host (port chosen by the
// kernel) towards target, adding rtt/2 each way; it returns the child and
// the address workers connect to.
func startDelay(host, target string, rtt time.Duration) (*proc.Child, string, error) {
	c, err := proc.Start(RoleDelay, proc.Options{Env: []string{
		envListen + "=" + net.JoinHostPort(host, "0"), envTarget + "=" + target, envDelay + "=" + (rtt / 2).String()}})
	if err != nil {
		return nil, "", fmt.Errorf("dist: delay forwarder: %w", err)
	}
	line, err := bufio.NewReader(c.Out).ReadString('\n')
	if err != nil {
		c.Kill()
		return nil, "", fmt.Errorf("dist: delay forwarder address: %w (%s)", err, c.Status())
	}
	return c, strings.TrimSpace(line), nil
}

func serveDelay() int {
	d, err := time.ParseDuration(os.Getenv(envDelay))
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-delay:", err)
		return 2
	}
	ln, err := net.Listen("tcp", os.Getenv(envListen))
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench dist-delay:", err)
		return 1
	}
	if err := proc.Ready(); err != nil {
		return 1
	}
	fmt.Println(ln.Addr().String())
	go func() { // ended by the parent closing stdin
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	target := os.Getenv(envTarget)
	for {
		in, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "concbench dist-delay:", err)
			return 1
		}
		out, err := net.Dial("tcp", target)
		if err != nil {
			in.Close()
			continue
		}
		go delayed(in, out, d)
		go delayed(out, in, d)
	}
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

type chunk struct {
	b   []byte
	due time.Time
}

// delayed copies src to dst, each chunk d after it was read.
func delayed(src, dst net.Conn, d time.Duration) {
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				q <- chunk{b[:n], time.Now().Add(d)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		sleepUntil(c.due)
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	src.Close()
	dst.Close()
}
