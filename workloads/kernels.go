package workloads

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Kind says what bounds a kernel: the CPU or waiting on something else.
type Kind string

const (
	CPU Kind = "cpu"
	IO  Kind = "io"
)

// Runner runs a kernel for one worker. It is not safe for concurrent use:
// each worker opens its own.
type Runner interface {
	Run(arg uint64) (uint64, error)
	Close() error
}

// Kernel is a named unit of work.
type Kernel struct {
	Name string
	Kind Kind
	// Open creates a worker's state. param is kernel specific: the echo
	// server address for tcp, a directory for fsync, ignored by the others.
	Open func(param string) (Runner, error)
}

// Spec names a kernel and its parameter; it is what a model sends to a worker,
// including one in another process.
type Spec struct {
	Kernel string
	Param  string
}

// ArgRange is the number of distinct arguments tasks use; Answers holds one
// expected result for each, so tasks cycle through args 0..ArgRange-1.
const ArgRange = 64

// BusyIters is the iteration count of one busyloop task.
const BusyIters = 1 << 18

var kernels = map[string]Kernel{}

func register(k Kernel) { kernels[k.Name] = k }

// Lookup returns the kernel with that name.
func Lookup(name string) (Kernel, error) {
	k, ok := kernels[name]
	if !ok {
		return Kernel{}, fmt.Errorf("workloads: unknown kernel %q (have %v)", name, Names(""))
	}
	return k, nil
}

// Names lists the kernels of a kind ("" for all), sorted.
func Names(kind Kind) []string {
	var out []string
	for n, k := range kernels {
		if kind == "" || k.Kind == kind {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Mix is a bijective 64-bit hash (one splitmix64 step). Kernels whose work
// has no natural result return Mix of something they had to get right.
func Mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Busy runs the seeds' busy loop n times from x, made to count: x = x + 1
// where the seeds write x = x ^ 1. The body is the same one ALU
// instruction, but x ^ 1 only flips bit 0, so a loop that skipped an even
// number of iterations answered as the whole loop did; x + 1 makes the
// answer x+n, which depends on every iteration (busyloop.py's loop counts
// the same way). It is exported so that the busy-loop experiment runs
// exactly the kernel the scaling matrix runs.
//
//go:noinline
func Busy(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x = x + 1
	}
	return x
}

// busyAnswer is the busyloop kernel's answer for argument a, with busy as
// its loop (Busy; a test plants a shortened one): Mix of a+BusyIters.
func busyAnswer(a uint64, busy func(uint64, int) uint64) uint64 {
	return Mix(busy(a, BusyIters))
}

type funcRunner func(uint64) (uint64, error)

func (f funcRunner) Run(a uint64) (uint64, error) { return f(a) }
func (funcRunner) Close() error                   { return nil }

func pure(f func(uint64) uint64) func(string) (Runner, error) {
	return func(string) (Runner, error) {
		return funcRunner(func(a uint64) (uint64, error) { return f(a), nil }), nil
	}
}

const shaBlock = 64 << 10

var shaData = sync.OnceValue(func() []byte {
	b := make([]byte, shaBlock)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], Mix(uint64(i)))
	}
	return b
})

// sha256Runner hashes its own copy of the block: the argument goes in the
// first 8 bytes, each of 2 rounds feeds the previous digest back in.
type sha256Runner struct{ buf []byte }

func (r *sha256Runner) Run(a uint64) (uint64, error) {
	binary.LittleEndian.PutUint64(r.buf, a)
	var sum [32]byte
	for round := 0; round < 2; round++ {
		sum = sha256.Sum256(r.buf)
		copy(r.buf[8:], sum[:])
	}
	copy(r.buf[8:40], shaData()[8:40]) // restore, so every task starts alike
	return binary.LittleEndian.Uint64(sum[:]), nil
}
func (*sha256Runner) Close() error { return nil }

// ShaChain is the kernel whose size is its parameter: Param rounds of
// SHA-256, each over the previous 32-byte digest, the first over the
// argument. A round is about 0.1 µs in Go, so rounds 8 … 32768 sweep a
// task from about 1 µs to about 4 ms of work.
const ShaChain = "sha256-chain"

func shaChain(param string) (Runner, error) {
	n, err := strconv.Atoi(param)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%s kernel: rounds %q: want a whole number of at least 1", ShaChain, param)
	}
	return funcRunner(func(a uint64) (uint64, error) {
		var d [32]byte
		binary.LittleEndian.PutUint64(d[:], a)
		for range n {
			d = sha256.Sum256(d[:])
		}
		return binary.LittleEndian.Uint64(d[:]), nil
	}), nil
}

const (
	walkLen   = 4 << 20 // 4 Mi entries of 8 bytes: 32 MiB, past most L3 slices
	walkSteps = 1 << 14
)

// walkTable is one random cycle through all entries (Sattolo's algorithm),
// so a walk never gets stuck in a short loop that fits in cache.
var walkTable = sync.OnceValue(func() []uint64 {
	t := make([]uint64, walkLen)
	for i := range t {
		t[i] = uint64(i)
	}
	s := uint64(42)
	for i := walkLen - 1; i > 0; i-- {
		s = Mix(s)
		j := s % uint64(i)
		t[i], t[j] = t[j], t[i]
	}
	return t
})

func memwalk(a uint64) uint64 {
	t := walkTable()
	x := Mix(a) % walkLen
	for i := 0; i < walkSteps; i++ {
		x = t[x]
	}
	return x
}

// fsyncRunner writes the argument, fsyncs and reads it back. Its answer
// folds in the bytes read back and a token only a successful fsync yields,
// so a kernel that skipped the write or the fsync answers wrongly. (An
// fsync that reports success without syncing cannot be told apart here.)
type fsyncRunner struct {
	f    *os.File
	buf  []byte
	rd   [8]byte
	sync func(*os.File) error // (*os.File).Sync; tests plant a skipped one
}

// synced is the token of a successful fsync.
const synced = 0x5f5f73796e636564

func (r *fsyncRunner) Run(a uint64) (uint64, error) {
	binary.LittleEndian.PutUint64(r.buf, a)
	if _, err := r.f.WriteAt(r.buf, 0); err != nil {
		return 0, fmt.Errorf("fsync kernel: write: %w", err)
	}
	var token uint64
	if r.sync != nil {
		if err := r.sync(r.f); err != nil {
			return 0, fmt.Errorf("fsync kernel: %w", err)
		}
		token = synced
	}
	if _, err := r.f.ReadAt(r.rd[:], 0); err != nil {
		return 0, fmt.Errorf("fsync kernel: read back: %w", err)
	}
	return Mix(binary.LittleEndian.Uint64(r.rd[:]) ^ token), nil
}

func (r *fsyncRunner) Close() error {
	err := r.f.Close()
	if rmErr := os.Remove(r.f.Name()); err == nil {
		err = rmErr
	}
	return err
}

// SleepFor is the sleep kernel's timer.
const SleepFor = time.Millisecond

// sleepKernel sleeps SleepFor with sleep and answers Mix of the argument
// and the evidence that the timer elapsed: whether the monotonic clock
// moved by at least SleepFor. A sleep that returned early, or was skipped,
// answers wrongly.
func sleepKernel(sleep func(time.Duration)) func(uint64) uint64 {
	return func(a uint64) uint64 {
		t0 := time.Now()
		sleep(SleepFor)
		var elapsed uint64
		if time.Since(t0) >= SleepFor {
			elapsed = 1
		}
		return Mix(a ^ elapsed<<63)
	}
}

type tcpRunner struct {
	c   net.Conn
	buf [8]byte
}

func (r *tcpRunner) Run(a uint64) (uint64, error) {
	binary.LittleEndian.PutUint64(r.buf[:], a)
	if _, err := r.c.Write(r.buf[:]); err != nil {
		return 0, fmt.Errorf("tcp kernel: write: %w", err)
	}
	if _, err := io.ReadFull(r.c, r.buf[:]); err != nil {
		return 0, fmt.Errorf("tcp kernel: read: %w", err)
	}
	return Mix(binary.LittleEndian.Uint64(r.buf[:])), nil
}
func (r *tcpRunner) Close() error { return r.c.Close() }

func init() {
	register(Kernel{Name: "noop", Kind: CPU, Open: pure(Mix)})
	register(Kernel{Name: "busyloop", Kind: CPU, Open: pure(func(a uint64) uint64 { return busyAnswer(a, Busy) })})
	register(Kernel{Name: "sha256", Kind: CPU, Open: func(string) (Runner, error) {
		return &sha256Runner{buf: append([]byte(nil), shaData()...)}, nil
	}})
	register(Kernel{Name: ShaChain, Kind: CPU, Open: shaChain})
	register(Kernel{Name: "memwalk", Kind: CPU, Open: func(p string) (Runner, error) {
		walkTable() // build the table at open, not in the first (timed) task
		return pure(memwalk)(p)
	}})
	register(Kernel{Name: "sleep", Kind: IO, Open: pure(sleepKernel(time.Sleep))})
	register(Kernel{Name: "fsync", Kind: IO, Open: func(dir string) (Runner, error) {
		f, err := os.CreateTemp(dir, "concbench-fsync-*")
		if err != nil {
			return nil, fmt.Errorf("fsync kernel: %w", err)
		}
		return &fsyncRunner{f: f, buf: make([]byte, 4096), sync: (*os.File).Sync}, nil
	}})
	register(Kernel{Name: "tcp", Kind: IO, Open: func(addr string) (Runner, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("tcp kernel: %w", err)
		}
		c.(*net.TCPConn).SetNoDelay(true)
		return &tcpRunner{c: c}, nil
	}})
}

// Answers runs the kernel in this process once for every argument in
// [0, ArgRange) and returns the results: the table that models' results are
// checked against. Call it outside timed code.
func Answers(s Spec) ([]uint64, error) {
	k, err := Lookup(s.Kernel)
	if err != nil {
		return nil, err
	}
	r, err := k.Open(s.Param)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([]uint64, ArgRange)
	for a := range out {
		if out[a], err = r.Run(uint64(a)); err != nil {
			return nil, fmt.Errorf("workloads: answers for %s(%d): %w", s.Kernel, a, err)
		}
	}
	return out, nil
}
