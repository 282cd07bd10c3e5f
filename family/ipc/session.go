package ipc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/concbench/concbench/model"
	"github.com/concbench/concbench/proc"
)

// Peer is who sits at the other end: a worker of one of model's Go kinds,
// started by model.Go or, for a process, proc.Start.
type Peer = model.Kind

const (
	Goroutine = model.KindGoroutine // a goroutine in this process
	Thread    = model.KindThread    // a goroutine locked to its own thread, talking to a locked caller
	Process   = model.KindProcess   // a child process (this binary, role ipc-echo), one locked thread each side
)

// Pattern is what the messages do.
type Pattern string

const (
	PingPong Pattern = "pingpong" // send a frame, wait for it to come back: one op = one round trip
	Stream   Pattern = "stream"   // send frames one way as fast as the peer takes them
)

// Sizes are the frame sizes of the benchmark matrix; 64 KiB is a pipe's
// default buffer.
var Sizes = []int{8, 64, 512, 4 << 10, 64 << 10, 1 << 20}

// SizeName writes a size the way benchmark names do: 8B, 4KiB, 1MiB.
func SizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

// Spec is one point of the matrix.
type Spec struct {
	Transport string
	Peer      Peer
	Pattern   Pattern
	Size      int // bytes per frame, header included: a multiple of 8, at least 8
	// Wrap, when set, wraps the measuring side's Conn. Tests use it to lose,
	// repeat or corrupt frames and prove the session notices.
	Wrap func(Conn) Conn
}

func (s Spec) String() string {
	return fmt.Sprintf("pattern=%s/transport=%s/peer=%s/size=%s", s.Pattern, s.Transport, s.Peer, SizeName(s.Size))
}

// Locked reports whether the measuring goroutine must hold
// runtime.LockOSThread while it uses the session: for thread and process
// peers, so that each end is one OS thread.
func (s Spec) Locked() bool { return s.Peer != Goroutine }

// Report is what the peer said at a mark.
type Report struct {
	Frames uint64 // frames the peer received and verified
	// CPUNanos and Ctxsw are a child process's own getrusage (user+system
	// time, voluntary+involuntary switches); zero for in-process peers,
	// whose cost the caller's own getrusage sees.
	CPUNanos, Ctxsw int64
}

// Session is a connected pair with a peer serving the other end. The
// measuring side calls Mark, then RoundTrip (pingpong) or Send (stream) in
// its loop, then Finish, and Close when done. All calls come from one
// goroutine.
type Session struct {
	spec    Spec
	name    string
	raw     Conn // the measuring end, unwrapped
	conn    Conn // raw, or Spec.Wrap(raw)
	w       *writer
	r       reader
	rbuf    []byte
	reports chan Report // the peer's answers to mark frames
	ended   chan error  // the peer's end: an in-process peer's error, or the monitor's exit
	child   *proc.Child
	base    Report // at the last Mark
	marked  uint64 // frames sent at the last Mark
	done    bool
	err     error
}

// Open connects a pair and starts the peer.
func Open(s Spec) (*Session, error) {
	t, err := lookup(s.Transport)
	if err != nil {
		return nil, err
	}
	if s.Size < headerSize || s.Size%8 != 0 {
		return nil, fmt.Errorf("ipc %s: size %d: want a multiple of 8, at least %d", s, s.Size, headerSize)
	}
	if s.Pattern != PingPong && s.Pattern != Stream {
		return nil, fmt.Errorf("ipc %s: unknown pattern %q (have %s, %s)", s, s.Pattern, PingPong, Stream)
	}
	name := s.String()
	ss := &Session{
		spec: s, name: name, w: newWriter(s.Size), r: reader{name: name}, rbuf: make([]byte, s.Size),
		reports: make(chan Report, 1), ended: make(chan error, 1),
	}
	if err := model.Check("peer", s.Peer, model.GoKinds()); err != nil {
		return nil, fmt.Errorf("ipc %s: %w", name, err)
	}
	if s.Peer == Process {
		if t.toChild == nil {
			return nil, fmt.Errorf("ipc %s: a %s cannot reach another process", name, s.Transport)
		}
		if err := ss.startChild(t); err != nil {
			return nil, fmt.Errorf("ipc %s: %w", name, err)
		}
	} else if err := ss.startInProc(t); err != nil {
		return nil, err
	}
	ss.conn = ss.raw
	if s.Wrap != nil {
		ss.conn = s.Wrap(ss.raw)
	}
	return ss, nil
}

// startInProc connects a pair and serves its far end from a worker of the
// peer's kind.
func (ss *Session) startInProc(t *transport) error {
	a, b, err := t.pair(ss.spec.Size)
	if err != nil {
		return fmt.Errorf("ipc %s: connect: %w", ss.name, err)
	}
	ss.raw = a
	model.Go(ss.spec.Peer, func() {
		err := serve(b, ss.spec.Pattern, ss.spec.Size, ss.name+" peer side", func(n uint64) error {
			ss.reports <- Report{Frames: n}
			return nil
		})
		ss.ended <- errors.Join(err, b.Close())
	})
	return nil
}

// RoundTrip sends the next frame and verifies the echo: sequence number and
// checksum, which the echo carries back unchanged, so one check covers both
// legs.
func (s *Session) RoundTrip() error {
	if err := s.send(PingPong, "RoundTrip"); err != nil {
		return err
	}
	if err := s.conn.Recv(s.rbuf); err != nil {
		return s.fail(fmt.Errorf("ipc %s: receive echo of frame %d: %w", s.name, s.w.seq, err))
	}
	if err := s.r.verify(s.rbuf, true); err != nil {
		return s.fail(err)
	}
	return nil
}

// Send sends the next frame of a stream; the peer verifies it.
func (s *Session) Send() error { return s.send(Stream, "Send") }

// send sends the next frame on a session of pattern p (op names the
// caller for the error when it is not).
func (s *Session) send(p Pattern, op string) error {
	if s.spec.Pattern != p {
		return fmt.Errorf("ipc %s: %s on a %s session", s.name, op, s.spec.Pattern)
	}
	if err := s.conn.Send(s.w.next()); err != nil {
		return s.fail(fmt.Errorf("ipc %s: send frame %d: %w", s.name, s.w.seq, err))
	}
	return nil
}

// Calibrate runs a few untimed round trips and returns how sparsely a
// caller should sample: time one round trip alone in every k (on average,
// picked at random so that a periodic stall cannot hide between samples),
// with k the power of two that keeps the clock's cost under 2% of the
// loop; 1, every round trip timed, for anything slower than 50 clock reads.
// k is the harness's choice, not a result: what a caller reports is how many
// round trips it timed.
func (s *Session) Calibrate() (int, error) {
	for range 8 {
		if err := s.RoundTrip(); err != nil {
			return 0, err
		}
	}
	const n = 32
	t0 := time.Now()
	for range n {
		if err := s.RoundTrip(); err != nil {
			return 0, err
		}
	}
	return sampleEvery(time.Since(t0)/n, ClockCost()), nil
}

// sampleEvery is Calibrate's choice for a round trip of rt and a clock
// read of clock: a power of two, at most 1024.
func sampleEvery(rt, clock time.Duration) int {
	budget := 50 * clock
	k := 1
	for k < 1024 && time.Duration(k)*max(rt, 1) < budget {
		k *= 2
	}
	return k
}

// ClockCost is what one time.Now costs here, measured once.
func ClockCost() time.Duration {
	clockOnce()
	return clockCost
}

var clockCost time.Duration

var clockOnce = sync.OnceFunc(func() {
	const n = 1000
	t0 := time.Now()
	for range n {
		time.Now()
	}
	clockCost = max(time.Since(t0)/n, 1)
})

// Mark sends a mark frame, waits for the peer's report, and makes it the
// baseline that Finish subtracts: call it after any warm-up, just before the
// timed loop.
func (s *Session) Mark() error {
	rep, err := s.mark()
	if err == nil {
		s.base, s.marked = rep, s.w.seq
	}
	return err
}

// Finish sends a mark frame, waits for the peer's report and checks that
// the peer verified every frame sent; it returns what happened since Mark.
// For a stream the wait is part of the work: a frame is not delivered until
// the peer has verified it.
func (s *Session) Finish() (Report, error) {
	rep, err := s.mark()
	if err != nil {
		return Report{}, err
	}
	if rep.Frames != s.w.seq {
		return Report{}, s.fail(fmt.Errorf("ipc %s: peer verified %d frames, %d were sent", s.name, rep.Frames, s.w.seq))
	}
	return Report{
		Frames:   rep.Frames - s.marked,
		CPUNanos: rep.CPUNanos - s.base.CPUNanos,
		Ctxsw:    rep.Ctxsw - s.base.Ctxsw,
	}, nil
}

func (s *Session) mark() (Report, error) {
	if s.done {
		if s.err != nil {
			return Report{}, s.err
		}
		return Report{}, fmt.Errorf("ipc %s: session closed", s.name)
	}
	if err := s.conn.Send(s.w.mark()); err != nil {
		return Report{}, s.fail(fmt.Errorf("ipc %s: send mark after frame %d: %w", s.name, s.w.seq, err))
	}
	select {
	case rep, ok := <-s.reports:
		if ok {
			return rep, nil
		}
	case err := <-s.ended:
		s.ended <- err // for stop
	}
	return Report{}, s.fail(fmt.Errorf("ipc %s: peer ended without answering the mark after frame %d", s.name, s.w.seq))
}

// Close ends the session: the measuring end is closed, the peer ends (a
// child is reaped). Safe to call more than once; the error is the peer's.
func (s *Session) Close() error {
	if s.done {
		return nil
	}
	return s.stop()
}

// fail ends the session after err. When err is the measuring side's own
// verification failure, that is the cause; otherwise the peer usually hung
// up because it saw something wrong, so its error is added.
func (s *Session) fail(err error) error {
	if s.done {
		return err
	}
	var v *verifyError
	if perr := s.stop(); perr != nil && !errors.As(err, &v) {
		err = fmt.Errorf("%w; peer: %v", err, perr)
	}
	s.err = err
	return err
}

// stop closes the measuring end (which ends a peer blocked on it), ends the
// peer and returns the peer's error.
func (s *Session) stop() error {
	s.done = true
	var errs []error
	if sh, ok := s.raw.(interface{ shutdown() }); ok && s.child != nil {
		// The child's mapping is its own; wake it, and unmap ours only
		// after the monitor is done with it.
		sh.shutdown()
	} else {
		errs = append(errs, s.raw.Close())
	}
	if s.child != nil {
		errs = append(errs, s.child.Close())
	}
	select {
	case err := <-s.ended:
		errs = append(errs, err)
	case <-time.After(5 * time.Second):
		errs = append(errs, fmt.Errorf("peer still running 5s after its end closed"))
	}
	errs = append(errs, s.raw.Close())
	return errors.Join(errs...)
}

// serve is the peer's loop, the same in a goroutine, a thread or a child:
// receive frames; for pingpong check the sequence and echo each frame back
// as it came (the measuring side verifies the checksum), for stream verify
// sequence and checksum of every frame; answer a mark frame with report.
// The measuring side closing its end right after a mark is a clean end.
func serve(c Conn, p Pattern, size int, name string, report func(verified uint64) error) error {
	buf := make([]byte, size)
	r := reader{name: name}
	atMark := true
	for {
		if err := c.Recv(buf); err != nil {
			if atMark && (errors.Is(err, io.EOF) || errors.Is(err, errClosed)) {
				return nil
			}
			return fmt.Errorf("ipc %s: receive frame %d: %w", name, r.n+1, err)
		}
		if isMark(buf) {
			if err := r.verifyMark(buf); err != nil {
				return err
			}
			if err := report(r.n); err != nil {
				return err
			}
			atMark = true
			continue
		}
		atMark = false
		if err := r.verify(buf, p == Stream); err != nil {
			return err
		}
		if p == PingPong {
			if err := c.Send(buf); err != nil {
				return fmt.Errorf("ipc %s: echo frame %d: %w", name, r.n, err)
			}
		}
	}
}

// The child side. The parent passes the transport's descriptors as 3, 4,
// ... and describes the session in CONCBENCH_IPC. The child says ready
// (proc.Ready) once its end is open, then answers each
// mark frame on its stdout (a raw pipe from package proc) with 24 bytes:
//
//	frames u64, cpu-ns u64, ctxsw u64   (little endian; getrusage of itself)
//
// A child that fails writes its error to stderr and exits 1; it exits 0 when
// the parent closes the transport right after a mark.
const (
	roleEcho = "ipc-echo"
	envIPC   = "CONCBENCH_IPC" // "transport pattern size nfds"
	ctlSize  = 24
)

func init() { proc.Register(roleEcho, childMain) }

func (s *Session) startChild(t *transport) error {
	conn, files, err := t.toChild(s.spec.Size)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	child, err := proc.Start(roleEcho, proc.Options{
		Env:   []string{fmt.Sprintf("%s=%s %s %d %d", envIPC, t.name, s.spec.Pattern, s.spec.Size, len(files))},
		Files: files,
	})
	closeFiles(files)
	if err != nil {
		conn.Close()
		return err
	}
	s.raw, s.child = conn, child
	// The monitor passes the child's reports on until its stdout ends. When
	// the child dies it wakes a shared-memory end, which would otherwise wait
	// forever (a pipe or a socket sees the child's end close by itself).
	go func() {
		var b [ctlSize]byte
		for {
			if _, err := io.ReadFull(child.Out, b[:]); err != nil {
				break
			}
			s.reports <- Report{
				Frames:   binary.LittleEndian.Uint64(b[0:]),
				CPUNanos: int64(binary.LittleEndian.Uint64(b[8:])),
				Ctxsw:    int64(binary.LittleEndian.Uint64(b[16:])),
			}
		}
		if sh, ok := conn.(interface{ shutdown() }); ok {
			sh.shutdown()
		}
		close(s.reports)
		s.ended <- nil // the child's own error comes from reaping it
	}()
	return nil
}

func closeFiles(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

func writeReport(frames uint64) error {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	var b [ctlSize]byte
	binary.LittleEndian.PutUint64(b[0:], frames)
	binary.LittleEndian.PutUint64(b[8:], uint64(ru.Utime.Nano()+ru.Stime.Nano()))
	binary.LittleEndian.PutUint64(b[16:], uint64(ru.Nvcsw+ru.Nivcsw))
	_, err := os.Stdout.Write(b[:])
	return err
}

// childMain is the ipc-echo role.
func childMain() int {
	// The child's end is served on one thread, as the parent's is: locked
	// for good, the process exits with it.
	runtime.LockOSThread()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "concbench ipc-echo:", err)
		return 1
	}
	f := strings.Fields(os.Getenv(envIPC))
	if len(f) != 4 {
		return fail(fmt.Errorf("%s=%q: want \"transport pattern size nfds\"", envIPC, os.Getenv(envIPC)))
	}
	t, err := lookup(f[0])
	size, err1 := strconv.Atoi(f[2])
	nfds, err2 := strconv.Atoi(f[3])
	if err = errors.Join(err, err1, err2); err != nil || t.inChild == nil {
		return fail(fmt.Errorf("%s=%q: %v", envIPC, os.Getenv(envIPC), err))
	}
	fds := make([]int, nfds)
	for i := range fds {
		fds[i] = 3 + i
	}
	c, err := t.inChild(fds, size)
	if err != nil {
		return fail(fmt.Errorf("open %s: %w", t.name, err))
	}
	if err := proc.Ready(); err != nil {
		c.Close()
		return fail(err)
	}
	name := Spec{Transport: t.name, Peer: Process, Pattern: Pattern(f[1]), Size: size}.String() + " child side"
	err = serve(c, Pattern(f[1]), size, name, writeReport)
	if err = errors.Join(err, c.Close()); err != nil {
		return fail(err)
	}
	return 0
}
