package web

import (
	"cmp"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/concbench/concbench/internal/latency"
)

// LoadOptions say what a closed-loop Load asks and over how many
// connections.
type LoadOptions struct {
	Addr  string
	Path  Path
	Conns int
	// CloseEvery > 0 sends "Connection: close" on every CloseEvery-th
	// request of a connection and dials a new one after it. The server
	// closes first, so the TIME_WAIT is on its side, not on the client's
	// ports. The counter rows use it to spread requests over connections:
	// one keep-alive connection stays with one worker process.
	CloseEvery int
}

// Load is a closed-loop HTTP/1.1 client: Conns connections, each with at
// most one request in flight, each sending a request, reading and checking
// the whole response, then taking the next. Next hands out one request; a
// failed check stops the load and Stop returns the error. A request whose
// connection closes or resets before the whole answer is lost: counted,
// and the load goes on; Stop returns an error that counts them. Only where
// the server may have closed an idle keep-alive connection (see IdleRetry)
// is the request sent again, once, counted in Stats.Retries and timed from
// its first send.
//
// It shares the cores with the server it measures, so what it spends per
// request is taken from the server: it is built to cost what wrk costs, and
// works the way wrk does. Its connections are non-blocking sockets in an
// epoll set of its own, edge-triggered, served by a few loops (one per
// GOMAXPROCS, as wrk runs one thread per core, at most one per
// connection); a loop takes every ready connection from one epoll_wait,
// reads the response, parses it in place and checks it, and writes the
// next request (prebuilt, one write): one read and one write per request,
// made as raw system calls since on a non-blocking socket they never
// sleep (docs/history.md says what a net.Conn client cost instead). A
// loop with nothing ready parks in Go's netpoller on its epoll
// descriptor, not in a blocking epoll_wait, so that it holds no P while
// it waits: the caller's goroutine (and an in-process server) can run, at
// any GOMAXPROCS.
//
// Requests go from Next to the loops through two counters, not a channel:
// budget (handed out, not yet taken by a connection) and pending (handed
// out, not yet answered). Next blocks only when pending reaches high, and
// then until it falls to low, so its caller is woken once per (high-low)
// answers, not per answer, and the connections never wait for it while
// it keeps up. A request Next handed out is answered before Stop returns:
// a caller that times until Stop returns times every request it asked for.
//
// high is Conns plus a window that grows with the answers: half of those
// so far, up to max(Conns, 256), so that b.Loop's first ramp-up steps
// (1 op, then 100) cannot hand out all their requests and end before any
// is answered, which b.Loop would read as no time at all: a step ends with
// at least two thirds of its requests answered, and the ramp overshoots by
// 1.5× at most.
type Load struct {
	o         LoadOptions
	want      [][]byte // the right body per argument; nil for /count
	reqs      [][]byte // one prebuilt request per argument
	closeReqs [][]byte // the same with Connection: close
	addr      *net.TCPAddr
	family    int
	base      time.Time
	loops     []*loop
	wg        sync.WaitGroup

	budget    atomic.Int64
	pending   atomic.Int64
	done      atomic.Int64 // answered so far
	maxWindow int64
	low       atomic.Int64  // set by Next before it sleeps; only grows
	waiting   atomic.Bool   // Next sleeps until pending <= low
	wake      chan struct{} // its wake-up: one token per waiting true→false by a loop
	stopping  atomic.Bool

	broken atomic.Bool
	failed chan struct{}
	once   sync.Once
	err    error
}

// Stats are what a Load saw.
type Stats struct {
	Requests uint64         // answered
	Hist     latency.Hist   // latency of single requests
	Seen     map[int]uint64 // /count: the highest value each worker pid answered
	Dials    int
	Retries  int // requests sent again after the server closed an idle connection
	Lost     int // requests that got no answer (Stop's error counts them)
}

// NewLoad prepares a load: its loops' epoll sets, no connections yet.
// Stop releases them.
func NewLoad(o LoadOptions) (*Load, error) {
	if o.Conns < 1 {
		return nil, fmt.Errorf("web: load on /%s: %d connections, want at least 1", o.Path, o.Conns)
	}
	l := &Load{o: o, wake: make(chan struct{}, 1), failed: make(chan struct{}), base: time.Now()}
	if err := l.resolve(); err != nil {
		return nil, err
	}
	args := 1
	if o.Path != Count {
		var err error
		if l.want, err = Expected(o.Path); err != nil {
			return nil, err
		}
		args = len(l.want)
	}
	for a := 0; a < args; a++ {
		target := "/" + string(o.Path)
		if kernelOf(o.Path) != "" {
			target += "?arg=" + strconv.Itoa(a)
		}
		// wrk's request, byte for byte (Host only): a server parses the
		// same whichever of the two is asking.
		head := "GET " + target + " HTTP/1.1\r\nHost: " + o.Addr + "\r\n"
		l.reqs = append(l.reqs, []byte(head+"\r\n"))
		l.closeReqs = append(l.closeReqs, []byte(head+"Connection: close\r\n\r\n"))
	}
	l.maxWindow = int64(max(o.Conns, 256))
	n := min(runtime.GOMAXPROCS(0), o.Conns)
	for i := 0; i < n; i++ {
		lp, err := newLoop(l)
		if err != nil {
			l.closeLoops()
			return nil, fmt.Errorf("web: load on %s: %w", o.Addr, err)
		}
		l.loops = append(l.loops, lp)
	}
	for i := 0; i < o.Conns; i++ {
		lp := l.loops[i%n]
		lp.conns = append(lp.conns, &conn{lp: lp, idx: int32(len(lp.conns)), fd: -1, arg: i % args,
			in: make([]byte, 0, 4096), seen: map[int]uint64{}})
	}
	for _, lp := range l.loops {
		lp.free = append(lp.free, lp.conns...)
		lp.events = make([]unix.EpollEvent, len(lp.conns)+1)
	}
	return l, nil
}

func (l *Load) resolve() error {
	a, err := net.ResolveTCPAddr("tcp", l.o.Addr)
	if err != nil {
		return fmt.Errorf("web: load address: %w", err)
	}
	l.addr, l.family = a, unix.AF_INET6
	if a.IP.To4() != nil {
		l.family = unix.AF_INET
	}
	return nil
}

// sockaddr is the server's address for connect(2): one per loop, since
// unix.Connect writes into it.
func (l *Load) sockaddr() unix.Sockaddr {
	if ip4 := l.addr.IP.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: l.addr.Port}
		copy(sa.Addr[:], ip4)
		return sa
	}
	sa := &unix.SockaddrInet6{Port: l.addr.Port}
	copy(sa.Addr[:], l.addr.IP.To16())
	return sa
}

// Start starts the loops; each connection dials on its first request.
func (l *Load) Start() {
	l.wg.Add(len(l.loops))
	for _, lp := range l.loops {
		go lp.run()
	}
}

// high is how many requests may be pending now (see Load).
func (l *Load) high() int64 {
	return int64(l.o.Conns) + min(l.maxWindow, max(1, l.done.Load()/2))
}

// Next hands out one request, waiting while pending is at high. It
// returns false once the load has failed.
func (l *Load) Next() bool {
	if h := l.high(); l.pending.Load() >= h && !l.awaitLow(h-(h-int64(l.o.Conns)+1)/2) {
		return false
	}
	if l.broken.Load() {
		return false
	}
	l.pending.Add(1)
	l.budget.Add(1)
	for _, lp := range l.loops {
		if lp.asleep.Load() && lp.asleep.CompareAndSwap(true, false) {
			lp.poke()
		}
	}
	return true
}

// awaitLow sleeps until pending <= low. No lost wake-up: low is stored
// and waiting set before pending is read, and a loop lowers pending before
// it reads low and waiting, so either Next sees pending at low and does
// not sleep, or the loop that brings it to low sees waiting and sends the
// token (a loop that read the previous low compares with a smaller one:
// low only grows, as the answers do). A loop that takes waiting
// (true→false) always sends, so when Next finds it taken it takes that
// token, and the channel never holds a stale one.
func (l *Load) awaitLow(low int64) bool {
	l.low.Store(low)
	l.waiting.Store(true)
	if l.pending.Load() > low {
		select {
		case <-l.wake:
			return true
		case <-l.failed:
			return false
		}
	}
	if !l.waiting.CompareAndSwap(true, false) {
		<-l.wake
	}
	return true
}

// answered is a loop's count of one request answered (or lost).
func (l *Load) answered() {
	l.done.Add(1)
	if l.pending.Add(-1) <= l.low.Load() && l.waiting.Load() && l.waiting.CompareAndSwap(true, false) {
		l.wake <- struct{}{}
	}
}

// claim takes one request from the budget for a free connection.
func (l *Load) claim() bool {
	for {
		b := l.budget.Load()
		if b <= 0 {
			return false
		}
		if l.budget.CompareAndSwap(b, b-1) {
			return true
		}
	}
}

// Stop waits for the requests handed out to be answered (or lost), closes
// the connections and returns what the load saw, and its first error: a
// failed check, or else the count of lost requests and why the first got
// no answer.
func (l *Load) Stop() (Stats, error) {
	l.stopping.Store(true)
	for _, lp := range l.loops {
		lp.poke()
	}
	l.wg.Wait()
	st := Stats{Seen: map[int]uint64{}}
	var firstLost error
	for _, lp := range l.loops {
		st.Hist.Merge(&lp.hist)
		for _, c := range lp.conns {
			st.Requests += c.n
			st.Dials += c.dials
			st.Retries += c.retries
			st.Lost += c.losses
			firstLost = cmp.Or(firstLost, c.firstLost)
			for pid, v := range c.seen {
				st.Seen[pid] = max(st.Seen[pid], v)
			}
		}
	}
	l.closeLoops()
	if l.err == nil && st.Lost > 0 {
		return st, l.wrap(fmt.Errorf("%d of %d requests lost, the first: %w", st.Lost, st.Requests+uint64(st.Lost), firstLost))
	}
	return st, l.err
}

func (l *Load) fail(err error) {
	l.once.Do(func() {
		l.err = err
		l.broken.Store(true)
		close(l.failed)
		for _, lp := range l.loops {
			lp.poke()
		}
	})
}

func (l *Load) closeLoops() {
	for _, lp := range l.loops {
		lp.close()
	}
	l.loops = nil
}

// now is the load's clock: monotonic, ns.
func (l *Load) now() int64 { return int64(time.Since(l.base)) }

// loop serves its connections from one epoll set.
type loop struct {
	l      *Load
	sa     unix.Sockaddr // the server's
	epfd   int
	ep     *os.File // epfd in Go's netpoller, where the loop parks
	rc     syscall.RawConn
	evfd   int // an eventfd in the set: Next, Stop and fail wake the loop through it
	conns  []*conn
	free   []*conn // no request in flight
	events []unix.EpollEvent
	hist   latency.Hist // latency of single requests
	asleep atomic.Bool  // parked with free connections: Next must poke it
	nready int
	tnow   int64                 // when the last answer was complete, Load.now
	poll   func(fd uintptr) bool // made once: RawConn.Read's callback
	err    error
}

// evIndex is the eventfd's epoll data; a connection's is its index.
const evIndex = -1

func newLoop(l *Load) (*loop, error) {
	lp := &loop{l: l, sa: l.sockaddr(), epfd: -1, evfd: -1}
	var err error
	if lp.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("epoll_create: %w", err)
	}
	// Non-blocking, so that os.NewFile puts it in the netpoller.
	if err = unix.SetNonblock(lp.epfd, true); err == nil {
		lp.ep = os.NewFile(uintptr(lp.epfd), "epoll")
		lp.rc, err = lp.ep.SyscallConn()
	}
	if err == nil {
		lp.evfd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	}
	if err == nil {
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: evIndex}
		err = unix.EpollCtl(lp.epfd, unix.EPOLL_CTL_ADD, lp.evfd, &ev)
	}
	if err != nil {
		lp.close()
		return nil, fmt.Errorf("epoll set: %w", err)
	}
	lp.poll = lp.pollOnce
	return lp, nil
}

func (lp *loop) close() {
	if lp.evfd >= 0 {
		unix.Close(lp.evfd)
		lp.evfd = -1
	}
	if lp.ep != nil {
		lp.ep.Close()
		lp.ep = nil
	} else if lp.epfd >= 0 {
		unix.Close(lp.epfd)
	}
	lp.epfd = -1
}

var one = []byte{1, 0, 0, 0, 0, 0, 0, 0} // an eventfd increment (little-endian 1)

// poke wakes the loop if it is parked, or makes its next poll return.
func (lp *loop) poke() { unix.Write(lp.evfd, one) }

func (lp *loop) run() {
	defer lp.l.wg.Done()
	defer func() {
		for _, c := range lp.conns {
			c.hangUp()
		}
	}()
	for {
		if err := lp.startFree(); err != nil {
			lp.l.fail(err)
			return
		}
		if lp.l.broken.Load() || len(lp.free) == len(lp.conns) && lp.l.stopping.Load() && lp.l.budget.Load() == 0 {
			return
		}
		if err := cmp.Or(lp.rc.Read(lp.poll), lp.err); err != nil {
			lp.l.fail(fmt.Errorf("web: load on %s: epoll_wait: %w", lp.l.o.Addr, err))
			return
		}
		lp.asleep.Store(false)
		for _, ev := range lp.events[:lp.nready] {
			if ev.Fd == evIndex {
				var b [8]byte
				unix.Read(lp.evfd, b[:])
				continue
			}
			if err := lp.serve(lp.conns[ev.Fd], ev.Events); err != nil {
				lp.l.fail(err)
				return
			}
		}
	}
}

// pollOnce takes the ready events without blocking (epoll_wait with a
// zero timeout). With none, it returns false and RawConn.Read parks the
// loop until the epoll set is readable; with free connections it first
// says so in asleep, and looks at the budget once more (the same ordering
// as awaitLow's: Next raises the budget before it reads asleep).
func (lp *loop) pollOnce(uintptr) bool {
	for {
		n, err := epollNow(lp.epfd, lp.events)
		if err == unix.EINTR {
			continue
		}
		lp.nready, lp.err = n, err
		if n > 0 || err != nil {
			return true
		}
		if len(lp.free) > 0 {
			lp.asleep.Store(true)
			if lp.l.budget.Load() > 0 {
				return true
			}
		}
		return false
	}
}

// epollNow is epoll_pwait with a zero timeout and no signal mask, which
// never sleeps: a raw call, like rawIO's.
func epollNow(epfd int, events []unix.EpollEvent) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// startFree starts a request on each free connection while the budget
// lasts.
func (lp *loop) startFree() error {
	for len(lp.free) > 0 && lp.l.claim() {
		c := lp.free[len(lp.free)-1]
		lp.free = lp.free[:len(lp.free)-1]
		if err := lp.begin(c, lp.l.now()); err != nil {
			return err
		}
	}
	return nil
}

// serve handles an event on c; once its answer is in and right (or the
// request is lost), c takes the next request or joins the free ones.
func (lp *loop) serve(c *conn, ev uint32) error {
	done, err := c.event(ev)
	if err != nil {
		return lp.l.wrap(err)
	}
	if done {
		return lp.next(c)
	}
	return nil
}

// next counts c's request as over and gives c the next one, if the budget
// has one, or puts it with the free ones. The next request starts at the
// clock reading that ended the last (one reading per request; it counts
// the check of the last answer, well under a microsecond, in the next).
func (lp *loop) next(c *conn) error {
	lp.l.answered()
	if !lp.l.claim() {
		lp.free = append(lp.free, c)
		return nil
	}
	return lp.begin(c, lp.tnow)
}

// begin starts a request on c at t0; one lost at its first write is over
// at once, and c goes on to the next.
func (lp *loop) begin(c *conn, t0 int64) error {
	finished, err := c.start(t0)
	if err != nil {
		return lp.l.wrap(err)
	}
	if finished {
		return lp.next(c)
	}
	return nil
}

func (l *Load) wrap(err error) error {
	return fmt.Errorf("web: GET /%s from %s: %w", l.o.Path, l.o.Addr, err)
}

// Check sends one request to addr's path over a new connection and
// checks the answer.
func Check(addr string, p Path) error {
	l, err := NewLoad(LoadOptions{Addr: addr, Path: p, Conns: 1})
	if err != nil {
		return err
	}
	l.Start()
	l.Next()
	_, err = l.Stop()
	return err
}

// RunFor runs a closed-loop load for d and returns what it saw and how
// long it really ran (from Start until the last answer).
func RunFor(o LoadOptions, d time.Duration) (Stats, time.Duration, error) {
	l, err := NewLoad(o)
	if err != nil {
		return Stats{}, 0, err
	}
	t0 := time.Now()
	end := t0.Add(d)
	l.Start()
	// The clock is read every 64 requests, not every one: like b.Loop,
	// the caller's loop costs next to nothing per request.
	for i := 0; (i%64 != 0 || time.Now().Before(end)) && l.Next(); i++ {
	}
	st, err := l.Stop()
	return st, time.Since(t0), err
}
