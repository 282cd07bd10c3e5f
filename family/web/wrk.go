package web

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/concbench/concbench/internal/deps"
	"github.com/concbench/concbench/proc"
)

// WrkResult is what one wrk run reported, and the CPU it used.
type WrkResult struct {
	Rate     float64 // requests per second
	Requests int64
	CPU      time.Duration // wrk's user+system time
}

// Wrk runs wrk against addr's path for d over conns connections and
// threads threads. wrk checks no bodies, so any non-2xx answer or socket
// error is an error here.
func Wrk(addr string, p Path, conns, threads int, d time.Duration) (WrkResult, error) {
	if err := deps.Wrk.Check(); err != nil { // the external reference client
		return WrkResult{}, err
	}
	url := "http://" + addr + "/" + string(p)
	if kernelOf(p) != "" {
		url += "?arg=0"
	}
	secs := max(1, int(d.Round(time.Second)/time.Second)) // wrk takes whole seconds
	cmd := exec.Command(deps.Wrk.Path, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(secs)+"s", url)
	c, err := proc.StartCmd(cmd)
	if err != nil {
		return WrkResult{}, fmt.Errorf("web: wrk: %w", err)
	}
	var out bytes.Buffer
	_, rerr := out.ReadFrom(c.Out)
	if err := c.Close(); err != nil || rerr != nil {
		return WrkResult{}, fmt.Errorf("web: wrk %s: %v, %v", url, err, rerr)
	}
	r, err := parseWrk(out.Bytes())
	if ru, ok := c.Cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r, err
}

// parseWrk reads wrk's summary: "Requests/sec:" is the figure; a
// "Non-2xx or 3xx responses:" or "Socket errors:" line is a failure.
func parseWrk(out []byte) (WrkResult, error) {
	r := WrkResult{Rate: -1, Requests: -1}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		switch {
		case bytes.HasPrefix(line, []byte("Requests/sec:")):
			v, err := strconv.ParseFloat(string(bytes.TrimSpace(line[len("Requests/sec:"):])), 64)
			if err != nil {
				return r, fmt.Errorf("web: wrk: %q: %w", line, err)
			}
			r.Rate = v
		case bytes.Contains(line, []byte(" requests in ")): // "123456 requests in 1.00s, 15.2MB read"
			n, _, _ := bytes.Cut(line, []byte(" "))
			v, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return r, fmt.Errorf("web: wrk: %q: %w", line, err)
			}
			r.Requests = v
		case bytes.HasPrefix(line, []byte("Non-2xx")), bytes.HasPrefix(line, []byte("Socket errors:")):
			return r, fmt.Errorf("web: wrk: %s", line)
		}
	}
	if r.Rate < 0 || r.Requests < 1 {
		return r, fmt.Errorf("web: wrk printed no Requests/sec or requests line:\n%s", out)
	}
	return r, nil
}
