package web

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/concbench/concbench/proc"
)

// WrkBin is the external reference client (Debian package wrk).
var WrkBin = "/usr/bin/wrk"

// Wrk runs wrk against addr's path for d over conns connections and
// threads threads and returns its requests per second. wrk checks no
// bodies, so any non-2xx answer or socket error is an error here.
func Wrk(addr string, p Path, conns, threads int, d time.Duration) (float64, error) {
	if _, err := os.Stat(WrkBin); err != nil {
		return 0, fmt.Errorf("%w: Debian package wrk (%s: %v)", ErrMissing, WrkBin, err)
	}
	url := "http://" + addr + "/" + string(p)
	if kernelOf(p) != "" {
		url += "?arg=0"
	}
	secs := max(1, int(d.Round(time.Second)/time.Second)) // wrk takes whole seconds
	cmd := exec.Command(WrkBin, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(secs)+"s", url)
	c, err := proc.StartCmd(cmd)
	if err != nil {
		return 0, fmt.Errorf("web: wrk: %w", err)
	}
	var out bytes.Buffer
	_, rerr := out.ReadFrom(c.Out)
	if err := c.Close(); err != nil || rerr != nil {
		return 0, fmt.Errorf("web: wrk %s: %v, %v", url, err, rerr)
	}
	return parseWrk(out.Bytes())
}

// parseWrk reads wrk's summary: "Requests/sec:" is the figure; a
// "Non-2xx or 3xx responses:" or "Socket errors:" line is a failure.
func parseWrk(out []byte) (float64, error) {
	rate := -1.0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		switch {
		case bytes.HasPrefix(line, []byte("Requests/sec:")):
			v, err := strconv.ParseFloat(string(bytes.TrimSpace(line[len("Requests/sec:"):])), 64)
			if err != nil {
				return 0, fmt.Errorf("web: wrk: %q: %w", line, err)
			}
			rate = v
		case bytes.HasPrefix(line, []byte("Non-2xx")), bytes.HasPrefix(line, []byte("Socket errors:")):
			return 0, fmt.Errorf("web: wrk: %s", line)
		}
	}
	if rate < 0 {
		return 0, fmt.Errorf("web: wrk printed no Requests/sec line:\n%s", out)
	}
	return rate, nil
}
