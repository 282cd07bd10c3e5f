// Package host names the machine a result was measured on.
//
// Results are filed under results/<host-id>/ and every result file carries
// a host-id config line; the regression gate refuses to compare files whose
// ids differ, and make report takes this machine's newest file from its
// folder. So the id must say "same machine" only when the numbers are
// comparable: a hash of /etc/machine-id alone is not enough, because
// cloned VM images share it (a 2 vCPU Intel VM and a 2 vCPU AMD VM of one
// image had the same id). The id hashes the machine id together with the
// CPU model, the number of CPUs this process may use and the memory size
// (rounded to GiB, so that a kernel update that reserves a few MiB more
// does not change it). It is anonymised: only 12 hex digits of a SHA-256.
//
// This is the one place the id is computed: the bench binary's config
// lines (bench/main_test.go) and the recorder (package record) both call
// ID, so the two can never disagree.
//
// Take the id with ID, or describe the machine with This and read its
// fields (the recorder compares them with a stored file's config lines).
// It imports no concbench package, so that anything may import it.
package host

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine is what the host id is made of.
type Machine struct {
	MachineID string // /etc/machine-id, or the hostname where there is none
	CPU       string // model name, as go test's "cpu:" line prints it
	NCPU      int    // CPUs this process may run on (runtime.NumCPU, the "ncpu:" line)
	MemBytes  uint64 // MemTotal of /proc/meminfo
}

// This describes the machine the process runs on.
func This() Machine {
	return Machine{MachineID: machineID(), CPU: cpuName(), NCPU: runtime.NumCPU(), MemBytes: memTotal()}
}

// ID is This().ID().
func ID() string { return This().ID() }

// ID is the machine's stable, anonymised id: 12 hex digits.
func (m Machine) ID() string {
	gib := (m.MemBytes + 1<<29) >> 30 // nearest GiB
	src := fmt.Sprintf("concbench:host/2\x00%s\x00%s\x00%d\x00%dGiB", m.MachineID, Normalize(m.CPU), m.NCPU, gib)
	sum := sha256.Sum256([]byte(src))
	return fmt.Sprintf("%x", sum[:6])
}

// Normalize folds runs of white space to one blank, so that CPU names from
// /proc/cpuinfo and from go test's config line compare equal.
func Normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

func machineID() string {
	if b, err := os.ReadFile("/etc/machine-id"); err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id
		}
	}
	h, _ := os.Hostname()
	return h
}

// cpuName is the first "model name" (x86) or "Model" (arm) of /proc/cpuinfo,
// where go test's cpu line comes from when the CPU has no brand string.
func cpuName() string {
	return procField("/proc/cpuinfo", "model name", "Model")
}

func memTotal() uint64 {
	f := strings.Fields(procField("/proc/meminfo", "MemTotal"))
	if len(f) == 0 {
		return 0
	}
	kb, _ := strconv.ParseUint(f[0], 10, 64)
	return kb << 10
}

// procField returns the value of the first line of a /proc file whose key
// is one of keys ("key<tabs>: value").
func procField(path string, keys ...string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		for _, want := range keys {
			if strings.TrimSpace(k) == want {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}
