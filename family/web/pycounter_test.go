package web

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// plantApp makes the gunicorn servers the test starts run webapp.py with
// each swap's old text (which must occur exactly once) replaced by its new.
func plantApp(t *testing.T, swaps [][2]string) {
	t.Helper()
	src := string(webAppSrc)
	for _, s := range swaps {
		if n := strings.Count(src, s[0]); n != 1 {
			t.Fatalf("webapp.py has %q %d times, want once", s[0], n)
		}
		src = strings.Replace(src, s[0], s[1], 1)
	}
	webApp = []byte(src)
	t.Cleanup(func() { webApp = webAppSrc })
}

// The shm counter's update with a 1 ms sleep between its read and its
// write: a window wide enough that two workers, or two gthread threads,
// that are not kept apart overlap in it.
var (
	slowUpdate = [2]string{"self.n.value = v", "time.sleep(0.001); self.n.value = v"}
	noLock     = [2]string{"with self.lock:", "if True:"}
	threadLock = [2]string{`multiprocessing.get_context("fork").Lock()`, "threading.Lock()"}
	privateMem = [2]string{"mmap.mmap(fd, 8)", "mmap.mmap(fd, 8, flags=mmap.MAP_PRIVATE)"}
)

// The Flask app's shm counter is exact because of its lock and its shared
// page: with the lock, even a slow update loses nothing in sync or gthread
// workers; without it, with a lock that excludes only the worker's own
// threads, or with each worker's own copy of the page, updates are lost
// and the check the benchmark rows use (Tally.Exact) fails.
func TestFlaskShmCounterFailsWhenBroken(t *testing.T) {
	const r = 400
	cases := []struct {
		name  string
		swaps [][2]string
		exact bool
	}{
		{"locked-slow-update", [][2]string{slowUpdate}, true},
		{"no-lock", [][2]string{slowUpdate, noLock}, false},
		{"thread-lock", [][2]string{slowUpdate, threadLock}, false},
		{"per-worker-memory", [][2]string{privateMem}, false},
	}
	for _, k := range []ServerKind{GunicornSync, GunicornGthread} {
		for _, c := range cases {
			t.Run(string(k)+"/"+c.name, func(t *testing.T) {
				plantApp(t, c.swaps)
				st, total, shared := countRun(t, Options{Server: k, Workers: 2, Counter: Shm}, r)
				v := Summarize(st, r, total, shared)
				err := v.Exact()
				t.Logf("%+v: %v", v, err)
				if v.Workers < 2 {
					t.Errorf("%d workers answered, want 2", v.Workers)
				}
				if c.exact != (err == nil) {
					t.Errorf("exact %v, want %v", err == nil, c.exact)
				}
			})
		}
	}
}

// A redis-server error reaches the client as a 500 with the reason, and
// fails the load.
func TestFlaskRedisCounterFailsOnError(t *testing.T) {
	plantApp(t, [][2]string{{"$4\\r\\nINCR", "$4\\r\\nINCX"}})
	s := start(t, Options{Server: GunicornSync, Workers: 2, Counter: Redis})
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	err := Check(s.Addr, Count)
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("an unknown command got %v, want a 500", err)
	}
	t.Log(err)
}

// shmEntries lists /dev/shm.
func shmEntries(t *testing.T) []string {
	t.Helper()
	ds, err := os.ReadDir("/dev/shm")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Name())
	}
	return out
}

// The Flask app's shared counters leave nothing in /dev/shm once the
// server stops (multiprocessing's semaphore is unlinked as soon as it is
// made). The last row plants a counter on a named /dev/shm file, which
// the check must see.
func TestFlaskCounterLeavesNothingInDevShm(t *testing.T) {
	const planted = "concbench-planted-leftover"
	cases := []struct {
		name    string
		counter CounterKind
		swaps   [][2]string
		leaves  bool
	}{
		{"shm", Shm, nil, false},
		{"redis", Redis, nil, false},
		{"shm-on-a-named-file", Shm, [][2]string{{"self.mem = mmap.mmap(fd, 8)",
			`fd = os.open("/dev/shm/` + planted + `", os.O_RDWR | os.O_CREAT, 0o600); os.ftruncate(fd, 8); self.mem = mmap.mmap(fd, 8)`}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plantApp(t, c.swaps)
			t.Cleanup(func() { os.Remove("/dev/shm/" + planted) })
			before := shmEntries(t)
			s := start(t, Options{Server: GunicornGthread, Workers: 2, Counter: c.counter})
			err := Check(s.Addr, Count)
			if cerr := s.Close(); cerr != nil {
				t.Error(cerr)
			}
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, e := range shmEntries(t) {
				if !slices.Contains(before, e) {
					left = append(left, e)
				}
			}
			if c.leaves != (len(left) > 0) {
				t.Errorf("left in /dev/shm after the server stopped: %q (planted leftover: %v)", left, c.leaves)
			}
		})
	}
}
