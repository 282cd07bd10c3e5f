package web

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sys/unix"
)

// CounterKind is where /count keeps its counter.
type CounterKind string

const (
	// Global is a module-level variable: one per process. It is an
	// atomic, so that within one process no update is lost and what the
	// seeds' problem shows is only the split across processes.
	Global CounterKind = "global"
	// Shm is one uint64 on a MAP_SHARED mapping of a memfd that the parent
	// creates and every worker process maps: one counter per server. The
	// Go servers add to it atomically; webapp.py, which has no atomic add,
	// under a multiprocessing lock its gunicorn master makes before the
	// fork.
	Shm CounterKind = "shm"
	// Redis is INCR on a redis-server the benchmark starts: one counter
	// per server, kept outside it (go-redis in Go, a few lines of RESP in
	// webapp.py).
	Redis CounterKind = "redis"
)

// CounterKinds lists the counters in the order the benchmark runs them.
var CounterKinds = []CounterKind{Global, Shm, Redis}

// Counter is /count's counter as one worker process sees it.
type Counter interface {
	Incr() (uint64, error) // the value after this increment
}

type globalCounter struct{ n atomic.Uint64 }

func (c *globalCounter) Incr() (uint64, error) { return c.n.Add(1), nil }

// shmCounter is an atomic add on the first 8 bytes of a shared mapping.
// x86 and arm64 atomics work across processes on a MAP_SHARED page as they
// do across threads: the page is the same physical memory in every mapping.
type shmCounter struct {
	mem []byte
	n   *atomic.Uint64
}

// errNil is go-redis's "no such key".
var errNil = redis.Nil

// counterKey is the Redis key of /count.
const counterKey = "concbench:web:count"

type redisCounter struct{ c *redis.Client }

func (c redisCounter) Incr() (uint64, error) {
	v, err := c.c.Incr(context.Background(), counterKey).Result()
	return uint64(v), err
}

func newRedisClient(sock string, conns int) *redis.Client {
	return redis.NewClient(&redis.Options{Network: "unix", Addr: sock, PoolSize: conns})
}

func (c *shmCounter) Incr() (uint64, error) { return c.n.Add(1), nil }

// newShmFile creates the memfd that holds a shm counter, one page, zero.
func newShmFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("concbench-web-count", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("web: shm counter memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "concbench-web-count")
	if err := f.Truncate(int64(os.Getpagesize())); err != nil {
		f.Close()
		return nil, fmt.Errorf("web: shm counter size: %w", err)
	}
	return f, nil
}

// mapShm maps f shared and returns the counter on it; Close unmaps.
func mapShm(f *os.File) (*shmCounter, error) {
	mem, err := unix.Mmap(int(f.Fd()), 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("web: map shm counter: %w", err)
	}
	return &shmCounter{mem: mem, n: (*atomic.Uint64)(unsafe.Pointer(&mem[0]))}, nil
}

func (c *shmCounter) Close() error { return unix.Munmap(c.mem) }

// Tally is what R requests to /count left behind.
type Tally struct {
	Requests uint64 // R
	MaxSeen  uint64 // the highest value any response showed
	Workers  int    // how many worker pids answered
	// Lost is R minus what the counters hold at the end: the shared
	// counter's total, or for per-process counters the sum of each
	// worker's highest answer (its final value).
	Lost int64
}

// Exact is nil when the counter counted every request: nothing lost, and
// some answer showed R. Every shared counter must be exact, and so must a
// one-process server's global.
func (t Tally) Exact() error {
	if t.Lost != 0 || t.MaxSeen != t.Requests {
		return fmt.Errorf("%d of %d updates lost, max-seen %d", t.Lost, t.Requests, t.MaxSeen)
	}
	return nil
}

// Summarize tallies a /count load of r requests; total is the shared
// counter's final value when shared is true.
func Summarize(st Stats, r, total uint64, shared bool) Tally {
	t := Tally{Requests: r, Workers: len(st.Seen)}
	var sum uint64
	for _, v := range st.Seen {
		t.MaxSeen = max(t.MaxSeen, v)
		sum += v
	}
	if shared {
		sum = total
	}
	t.Lost = int64(r) - int64(sum)
	return t
}
