package busy

import (
	"os"
	"time"

	"github.com/concbench/concbench/proc"
)

// treeCPU reads the CPU time in nanoseconds that this process and every
// live descendant of it has used so far, by pid (proc.CPU: each one's
// process CPU clock).
// Two reads give the CPU the experiment itself used, whatever else the
// machine runs: the sampler sees the whole machine, as top does, so on a
// shared machine neighbours add to busy cores but not to this.
func treeCPU() map[int]uint64 {
	out := map[int]uint64{}
	for _, pid := range proc.Tree(os.Getpid()) {
		if t, err := proc.CPU(pid); err == nil {
			out[pid] = uint64(t)
		}
	}
	return out
}

// ownCores is the cores' worth of CPU the tree used between two reads taken
// elapsed apart. A process born in between counts from zero; one that died
// in between is lost (none do while workers spin).
func ownCores(before, after map[int]uint64, elapsed time.Duration) float64 {
	var used uint64
	for pid, t := range after {
		if t >= before[pid] {
			used += t - before[pid]
		}
	}
	if elapsed <= 0 {
		return 0
	}
	return time.Duration(used).Seconds() / elapsed.Seconds()
}
