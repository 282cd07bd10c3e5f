package workloads

import (
	"testing"
	"time"
)

// Known answers pin the kernels: a change to any of them changes the work
// every recorded result measured, and must be deliberate.
func TestKnownAnswers(t *testing.T) {
	echo, err := StartEcho()
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	params := map[string]string{"fsync": t.TempDir(), "tcp": echo.Addr(), ShaChain: "2"}
	want := map[string][3]uint64{}
	for _, name := range Names("") {
		got, err := Answers(Spec{Kernel: name, Param: params[name]})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want[name] = [3]uint64{got[0], got[1], got[63]}
		seen := map[uint64]bool{}
		for _, v := range got {
			seen[v] = true
		}
		if len(seen) < ArgRange/2 {
			t.Errorf("%s: only %d distinct answers over %d args: the checksum does not depend on the argument", name, len(seen), ArgRange)
		}
	}
	for name, w := range map[string][3]uint64{
		"noop":     {0xe220a8397b1dcdaf, 0x910a2dec89025cc1, 0x8c741196acc47e35},
		"busyloop": {0xca9c0d0de2fa5bc0, 0x22304a78debfb7e2, 0xda965f087a80654c},
		"sha256":   {0x17473535ea88972c, 0xb4db0166908f2794, 0x96f0e0014e56421d},
		ShaChain:   {0x35620a2c6cdb322b, 0x5434f8848599597e, 0xc7b7bc84e40c08d1},
		"memwalk":  {0x198e62, 0x287bbe, 0x2fad4e},
		// sleep and fsync fold in evidence of the wait (the timer elapsed,
		// the fsync succeeded); tcp answers Mix of what the peer echoed, so
		// a correct run answers as noop does.
		"sleep": {0x481ec0a212a9f3db, 0xdc29f439bcbdda2a, 0x7762b661ed70cb18},
		"fsync": {0xa0ccb39d07139c5b, 0x31a56304919b7413, 0x335a5f85756bb032},
		"tcp":   {0xe220a8397b1dcdaf, 0x910a2dec89025cc1, 0x8c741196acc47e35},
	} {
		if want[name] != w {
			t.Errorf("%s answers for args 0,1,63 = %#x, want %#x", name, want[name], w)
		}
	}
}

// Busy counts its iterations: x + n.
func TestBusyCounts(t *testing.T) {
	for _, tc := range []struct {
		x    uint64
		n    int
		want uint64
	}{
		{0, 0, 0}, {0, 1, 1}, {0, 2, 2}, {6, 3, 9}, {7, BusyIters, 7 + BusyIters}, {1<<64 - 1, 2, 1},
	} {
		if got := Busy(tc.x, tc.n); got != tc.want {
			t.Errorf("Busy(%d, %d) = %d, want %d", tc.x, tc.n, got, tc.want)
		}
	}
}

// A busyloop that skips iterations must answer wrongly, so that the
// models' check against Answers fails: every iteration is in the answer
// (the seeds' x ^ 1 answered the same for any even number of them).
func TestBusyFailsWhenShortened(t *testing.T) {
	ans, err := Answers(Spec{Kernel: "busyloop"})
	if err != nil {
		t.Fatal(err)
	}
	for name, short := range map[string]func(uint64, int) uint64{
		"two iterations skipped": func(x uint64, n int) uint64 { return Busy(x, n-2) },
		"one iteration skipped":  func(x uint64, n int) uint64 { return Busy(x, n-1) },
		"two iterations only":    func(x uint64, n int) uint64 { return Busy(x, 2) },
		"no loop":                func(x uint64, n int) uint64 { return x },
		"half the loop":          func(x uint64, n int) uint64 { return Busy(x, n/2) },
	} {
		for a := range uint64(ArgRange) {
			if busyAnswer(a, short) == ans[a] {
				t.Errorf("busyloop with %s: arg %d answers as the whole loop does", name, a)
				break
			}
		}
	}
}

func TestUnknownKernel(t *testing.T) {
	if _, err := Lookup("fft"); err == nil {
		t.Fatal("Lookup(fft) succeeded")
	}
}

// A kernel that skips its wait must answer wrongly, so that the models'
// check against Answers fails: a skipped sleep, a skipped fsync.
func TestIOKernelsFailWhenSkipped(t *testing.T) {
	dir := t.TempDir()
	sleepAns, err := Answers(Spec{Kernel: "sleep"})
	if err != nil {
		t.Fatal(err)
	}
	fsyncAns, err := Answers(Spec{Kernel: "fsync", Param: dir})
	if err != nil {
		t.Fatal(err)
	}
	openFsync := func() *fsyncRunner {
		k, err := Lookup("fsync")
		if err != nil {
			t.Fatal(err)
		}
		r, err := k.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r.(*fsyncRunner)
	}
	for _, tc := range []struct {
		name string
		run  func(a uint64) (uint64, error)
		want []uint64
	}{
		{"sleep skipped", func(a uint64) (uint64, error) { return sleepKernel(func(time.Duration) {})(a), nil }, sleepAns},
		{"fsync skipped", func() func(uint64) (uint64, error) {
			r := openFsync()
			r.sync = nil
			return r.Run
		}(), fsyncAns},
	} {
		for _, a := range []uint64{1, 2, 63} {
			got, err := tc.run(a)
			if err == nil && got == tc.want[a] {
				t.Errorf("%s: arg %d answered %#x, the correct answer: the fault passes verification", tc.name, a, got)
			}
		}
	}
	// The healthy paths agree with the table.
	r := openFsync()
	if got, err := r.Run(5); err != nil || got != fsyncAns[5] {
		t.Errorf("fsync healthy: %#x, %v; want %#x", got, err, fsyncAns[5])
	}
	if got := sleepKernel(time.Sleep)(5); got != sleepAns[5] {
		t.Errorf("sleep healthy: %#x; want %#x", got, sleepAns[5])
	}
}
