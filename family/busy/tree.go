package busy

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/concbench/concbench/proc"

	"github.com/shirou/gopsutil/v4/cpu"
)

// treeCPU reads the CPU time (user+system, in clock ticks) that this
// process and every live descendant of it has used so far, by pid, from
// /proc/<pid>/stat. Two reads give the CPU the experiment itself used,
// whatever else the machine runs: the sampler sees the whole machine, as
// top does, so on a shared machine neighbours add to busy cores but not to
// this.
func treeCPU() map[int]uint64 {
	out := map[int]uint64{}
	for _, pid := range proc.Tree(os.Getpid()) {
		if t, ok := procTicks(pid); ok {
			out[pid] = t
		}
	}
	return out
}

// procTicks is utime+stime of one process (all its threads).
func procTicks(pid int) (uint64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state); utime, stime are fields 14, 15
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	return u + st, err1 == nil && err2 == nil
}

// ownCores is the cores' worth of CPU the tree used between two reads taken
// elapsed apart. A process born in between counts from zero; one that died
// in between is lost (none do while workers spin).
func ownCores(before, after map[int]uint64, elapsed time.Duration) float64 {
	var ticks uint64
	for pid, t := range after {
		if t >= before[pid] {
			ticks += t - before[pid]
		}
	}
	if elapsed <= 0 {
		return 0
	}
	return float64(ticks) / cpu.ClocksPerSec / elapsed.Seconds()
}
