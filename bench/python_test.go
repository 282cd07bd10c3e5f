package bench

import (
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/concbench/concbench/family/counter"
	"github.com/concbench/concbench/family/ipc"
	"github.com/concbench/concbench/family/pool"
	"github.com/concbench/concbench/family/py"
	"github.com/concbench/concbench/model"
)

func init() { declareUnit("wall-ns/op", "better=lower") }

// The seed notes' Python beside Go: every family whose seed section has a
// Python snippet gets rows with model=python-… (or peer=python-process),
// driven by family/py/driver.py through package py and verified here,
// against the same answers as the Go rows. The interpreter's start-up and
// the family's set-up (a pool, a peer process) are outside the timed loop.
// One op is the family's op; the timed loop hands the driver a round of
// at most pyRow.round ops at a time (the last partial round runs after the loop
// with the timer on, so every op counted was done). cpu-ns/op and ctxsw/op include the interpreter and
// its children (pool workers and peers from /proc, their start-up
// excluded).
//
// ns/op is Python's own clock (time.perf_counter_ns over each round's ops,
// a team's round from its first worker's start to its last one's end):
// the mechanism, as a Go row's ns/op is. wall-ns/op is what Go's clock saw
// around the same rounds, the line protocol's round trips included: the
// difference is the harness's share, and at a small b.N it is most of
// wall-ns/op (a round trip costs tens of µs, and b.Loop's ramp makes a
// round of 1, 2, 4 … ops).

// pyRow is one Python row: the benchmark name below the family, the
// model kind that picks the interpreter, the driver's family and
// parameters, the round size, and the check of the result against n ops.
type pyRow struct {
	name   string
	kind   model.Kind
	family string
	params []string
	round  int
	bytes  int64 // moved per op: MB/s by Python's clock, as ns/op is
	check  func(b *testing.B, r py.Result) error
}

// runPy runs rows as sub-benchmarks of b. go test runs a row's -count
// (and -cpu) runs one after the other inside its b.Run, so a row's
// interpreter is started once, kept across them and closed after: its
// start-up is untimed either way, and each run opens the family afresh.
func runPy(b *testing.B, rows []pyRow) {
	for _, r := range rows {
		var kept *py.Driver
		b.Run(r.name, func(b *testing.B) { benchPy(b, r, &kept, false) })
		if kept != nil {
			if err := kept.Close(); err != nil {
				b.Errorf("%s: %v", r.name, err)
			}
		}
	}
}

// benchPy runs one Python row with the interpreter in *kept, started if
// nil, and left there for the row's next run; a failed run closes it.
// fault plants a wrong answer in the driver's workers (tests).
func benchPy(b *testing.B, row pyRow, kept **py.Driver, fault bool) {
	atProcs(b)
	if *kept == nil {
		d, err := py.Start(row.kind, py.Options{Fault: fault})
		if errors.Is(err, model.ErrNoPython) {
			b.Skipf("model=%s: %v", row.kind, err)
		}
		if err != nil {
			b.Fatal(err)
		}
		*kept = d
	}
	d := *kept
	defer func() {
		if b.Failed() {
			d.Close() // its error is not the failure's cause
			*kept = nil
		}
	}()
	if err := d.Open(row.family, row.params...); err != nil {
		b.Fatal(err)
	}
	mt := startMeter()
	var took time.Duration
	// Rounds grow 1, 2, 4 … up to row.round, so that each of b.Loop's
	// ramp-up steps runs its ops before the next step is sized: a fixed
	// round larger than a step would leave the step's ops to after the
	// loop, b.Loop would see them take no time and ramp to 100× the
	// benchtime.
	pending, round := 0, 1
	if fixedOps() {
		// -benchtime Nx: b.Loop runs N ops with no ramp to size, so the
		// ops go in rounds of the row's full size from the first.
		round = row.round
	}
	run := func() {
		t, err := d.Run(pending)
		if err != nil {
			b.Fatal(err)
		}
		took += t
		pending, round = 0, min(2*round, row.round)
	}
	for b.Loop() {
		if pending++; pending >= round {
			run()
		}
	}
	// driver.py's scale family streams its tasks: run 0 (timed) waits
	// for those still out.
	drain := row.family == "scale"
	if pending > 0 || drain {
		b.StartTimer()
		if pending > 0 {
			run()
		}
		if drain {
			run() // run 0: the tasks still out
		}
		b.StopTimer()
	}
	res, err := d.Finish()
	if err != nil {
		b.Fatal(err)
	}
	mt.stop(b, b.N, res.Usage())
	if err := row.check(b, res); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "wall-ns/op")
	b.ReportMetric(float64(took.Nanoseconds())/float64(b.N), "ns/op")
	if row.bytes > 0 && took > 0 {
		b.ReportMetric(float64(row.bytes)*float64(b.N)/1e6/took.Seconds(), "MB/s")
	}
}

// pyThreadKinds are the Python kinds whose workers are threads: with the
// GIL (python3) and without (a free-threaded build, skipped where none is
// installed).
var pyThreadKinds = []model.Kind{model.KindPythonThread, model.KindPythonFreeThreaded}

// checkOps is the check of a family whose sum is a count of good ops.
func checkOps(family string) func(b *testing.B, r py.Result) error {
	return func(b *testing.B, r py.Result) error { return r.Want(family, "ops", b.N, "sum", b.N) }
}

// checkFold is the check of a kernel family: ops items, their results'
// sum that of the answer table.
func checkFold(family, kernel string) func(b *testing.B, r py.Result) error {
	return func(b *testing.B, r py.Result) error {
		answers, err := py.Answers(kernel)
		if err != nil {
			return err
		}
		return r.Want(family, "ops", b.N, "sum", py.Fold(answers, b.N))
	}
}

// pyCounterRows: the seeds' balance under a threading.Lock (sync=mutex)
// and without (sync=unsynced). lost-updates is counted as for Go.
func pyCounterRows() []pyRow {
	var rows []pyRow
	for _, sync := range []string{"mutex", "unsynced"} {
		v := counter.Variant{Name: sync, Synced: sync == "mutex"}
		for _, k := range pyThreadKinds {
			for _, w := range workerCounts() {
				rows = append(rows, pyRow{
					name: fmt.Sprintf("sync=%s/model=%s/workers=%d", sync, k, w), kind: k,
					family: "counter", params: []string{"sync=" + sync, fmt.Sprintf("workers=%d", w)}, round: 1 << 14,
					check: func(b *testing.B, r py.Result) error {
						if err := r.Want("counter", "ops", b.N, "intended", b.N); err != nil {
							return err
						}
						lost, err := counter.Check(v, r["intended"], r["sum"])
						b.ReportMetric(float64(lost), "lost-updates")
						return err
					},
				})
			}
		}
	}
	return rows
}

// pySpawnRows: Process(...).start()/join() with the fork start method
// (model=python-process) and the spawn start method (python-spawn), and
// threading.Thread (python-thread), each worker's one answer the noop
// kernel's.
func pySpawnRows() []pyRow {
	var rows []pyRow
	for _, c := range []struct {
		k     model.Kind
		how   string
		round int // a thread's ~100 µs life would be a third protocol round trip
	}{{model.KindPythonThread, "thread", 64}, {model.KindPythonProcess, "fork", 1}, {model.KindPythonSpawn, "spawn", 1}} {
		rows = append(rows, pyRow{name: "model=" + string(c.k), kind: c.k, family: "spawn",
			params: []string{"how=" + c.how}, round: c.round, check: checkFold("spawn", "noop")})
	}
	return rows
}

// pyPoolKinds are the pools' models: a multiprocessing Pool (fork start
// method) and threads.
func pyPoolKinds(thread model.Kind) []struct {
	k    model.Kind
	pool string
} {
	return []struct {
		k    model.Kind
		pool string
	}{{model.KindPythonProcess, "process"}, {thread, "thread"}}
}

// pyScaleRows: Pool(workers).apply_async and ThreadPoolExecutor(workers).submit
// running the sha256 and sleep kernels, one task per op, streamed as Go's
// pool streams them (the drain timed).
func pyScaleRows() []pyRow {
	var rows []pyRow
	for _, kc := range []struct{ kind, kernel string }{{"cpu", "sha256"}, {"io", "sleep"}} {
		for _, thread := range pyThreadKinds {
			for _, m := range pyPoolKinds(thread) {
				if thread == model.KindPythonFreeThreaded && m.pool == "process" {
					continue // the process rows once
				}
				for _, w := range workerCounts() {
					rows = append(rows, pyRow{
						name: fmt.Sprintf("kind=%s/kernel=%s/model=%s/workers=%d", kc.kind, kc.kernel, m.k, w), kind: m.k,
						family: "scale", params: []string{"kernel=" + kc.kernel, "pool=" + m.pool, fmt.Sprintf("workers=%d", w)},
						round: 64, check: checkFold("scale", kc.kernel),
					})
				}
			}
		}
	}
	return rows
}

// pyPoolRows: the seeds' Pool calling styles with the Go rows' chunk sizes
// and batch, on the noop kernel (the per-item overhead this family is
// about), one op = one call over the batch.
func pyPoolRows() []pyRow {
	workers := runtime.NumCPU()
	batch := poolBatchPerWorker * workers
	var rows []pyRow
	for _, m := range pyPoolKinds(model.KindPythonThread) {
		for _, mode := range pool.Modes() {
			for _, chunk := range []int{1, 8, 64, 512} {
				if mode == pool.Apply && chunk != 1 {
					continue
				}
				ordered := mode == pool.Map || mode == pool.IMap
				rows = append(rows, pyRow{
					name: fmt.Sprintf("kernel=noop/model=%s/mode=%s/chunk=%d", m.k, mode, chunk), kind: m.k,
					family: "pool", round: 1,
					params: []string{"kernel=noop", "pool=" + m.pool, "mode=" + string(mode), fmt.Sprintf("chunk=%d", chunk),
						fmt.Sprintf("workers=%d", workers), fmt.Sprintf("batch=%d", batch)},
					check: func(b *testing.B, r py.Result) error { return checkPool(b, r, batch, ordered) },
				})
			}
		}
	}
	return rows
}

// checkPool: every item once (count and sum), and for the ordered modes
// in order: wsum weighs each result by its place in its call.
func checkPool(b *testing.B, r py.Result, batch int, ordered bool) error {
	answers, err := py.Answers("noop")
	if err != nil {
		return err
	}
	items := b.N * batch
	want := []any{"ops", b.N, "items", items, "sum", py.Fold(answers, items)}
	if ordered {
		var wsum uint64
		for i := 0; i < items; i++ {
			wsum += uint64(i%batch+1) * answers[i%len(answers)]
		}
		want = append(want, "wsum", wsum)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(items), "ns/item")
	return r.Want("pool", want...)
}

// pyIPCSizes are the Python IPC rows' sizes: the ends and two between of
// ipc.Sizes, to keep the smoke run short.
var pyIPCSizes = []int{8, 4 << 10, 64 << 10, 1 << 20}

// pyIPCRows: multiprocessing.Pipe, multiprocessing.Queue and
// Manager().Queue() to a forked peer, ping-pong and stream. Each message
// carries its seq (1, 2, …) in its first 8 bytes: the echoes' (or the
// peer's) seq sum and byte count must be those of the ops.
func pyIPCRows() []pyRow {
	var rows []pyRow
	for _, pat := range []ipc.Pattern{ipc.PingPong, ipc.Stream} {
		for _, tr := range []string{"mp-pipe", "mp-queue", "manager-queue"} {
			for _, size := range pyIPCSizes {
				round := 256
				if size > 4<<10 {
					round = 16
				}
				rows = append(rows, pyRow{
					name: fmt.Sprintf("pattern=%s/transport=%s/peer=%s/size=%s", pat, tr, model.KindPythonProcess, ipc.SizeName(size)),
					kind: model.KindPythonProcess, family: "ipc", round: round, bytes: int64(size),
					params: []string{"pattern=" + string(pat), "transport=" + tr, fmt.Sprintf("size=%d", size)},
					check: func(b *testing.B, r py.Result) error {
						n := uint64(b.N)
						return r.Want("ipc", "ops", b.N, "sum", n*(n+1)/2, "bytes", n*uint64(size))
					},
				})
			}
		}
	}
	return rows
}

// pyCoroutineRows: the seeds' generator consumer, c.send(n) answered with
// "200 OK": every item taken once, every reply right.
func pyCoroutineRows() []pyRow {
	return []pyRow{{name: "handoff=generator/model=" + string(model.KindPythonThread), kind: model.KindPythonThread,
		family: "coroutine", round: 1 << 14,
		check: func(b *testing.B, r py.Result) error {
			n := uint64(b.N)
			return r.Want("coroutine", "ops", b.N, "sum", n*(n+1)/2, "ok", b.N)
		}}}
}

// pyLocalRows: threading.local(), state passed explicitly, a dict under a
// Lock; each worker's state must hold exactly the ops it was given.
func pyLocalRows() []pyRow {
	var rows []pyRow
	for _, state := range []string{"threading-local", "explicit", "mutex-map"} {
		for _, k := range pyThreadKinds {
			for _, w := range workerCounts() {
				rows = append(rows, pyRow{
					name: fmt.Sprintf("state=%s/model=%s/workers=%d", state, k, w), kind: k, family: "local",
					params: []string{"state=" + state, fmt.Sprintf("workers=%d", w)}, round: 1 << 14,
					check: func(b *testing.B, r py.Result) error {
						return r.Want("local", "ops", b.N, "sum", r["want"])
					},
				})
			}
		}
	}
	return rows
}

// pySubprocessRows: subprocess.call(['true']) (exit status 0 each time)
// and Popen(['cat']).communicate(payload) (the CRC-32 of every echo that
// of the payload, bytes i % 251).
func pySubprocessRows() []pyRow {
	rows := []pyRow{{name: "cmd=true/api=python-call", kind: model.KindPythonProcess, family: "subprocess",
		params: []string{"cmd=true"}, round: 1, check: checkOps("subprocess")}}
	for _, sz := range subprocessSizes {
		payload := make([]byte, sz.n)
		for i := range payload {
			payload[i] = byte(i % 251)
		}
		crc := uint64(crc32.ChecksumIEEE(payload))
		rows = append(rows, pyRow{name: "cmd=cat/child=python-communicate/size=" + sz.name, kind: model.KindPythonProcess,
			family: "subprocess", params: []string{"cmd=cat", fmt.Sprintf("size=%d", sz.n)}, round: 1,
			check: func(b *testing.B, r py.Result) error {
				b.SetBytes(int64(sz.n))
				return r.Want("subprocess", "ops", b.N, "sum", uint64(b.N)*crc)
			}})
	}
	return rows
}

// pyStopRows: terminate() and join() of a multiprocessing.Process (it must
// end by SIGTERM), an Event and join() of a threading.Thread; stop-ns is
// the request-to-confirmed-stop time Python measured.
func pyStopRows() []pyRow {
	var rows []pyRow
	for _, state := range []string{"busy", "blocked"} {
		for _, c := range []struct {
			k           model.Kind
			how, signal string
		}{{model.KindPythonThread, "thread", ""}, {model.KindPythonProcess, "process", "/signal=term"}} {
			rows = append(rows, pyRow{name: fmt.Sprintf("model=%s/state=%s%s", c.k, state, c.signal), kind: c.k,
				family: "stop", params: []string{"how=" + c.how, "state=" + state}, round: 1,
				check: func(b *testing.B, r py.Result) error {
					b.ReportMetric(float64(r["stop_ns"])/float64(b.N), "stop-ns")
					return checkOps("stop")(b, r)
				}})
		}
	}
	return rows
}

// pyForkRows: os.fork() from a parent with touched bytes written; the
// child's exit status (arg mod 64 + 1) is checked.
func pyForkRows() []pyRow {
	var rows []pyRow
	for _, sz := range parentSizes {
		rows = append(rows, pyRow{name: "touched=" + sz.name + "/model=" + string(model.KindPythonFork),
			kind: model.KindPythonFork, family: "fork", params: []string{fmt.Sprintf("touched=%d", sz.n)}, round: 1,
			check: func(b *testing.B, r py.Result) error {
				var want uint64
				for i := 0; i < b.N; i++ {
					want += uint64(i%64 + 1)
				}
				return r.Want("fork", "ops", b.N, "sum", want)
			}})
	}
	return rows
}

// TestPythonFailsOnWrongAnswer: in every family, a driver whose workers
// answer wrongly (a kernel result off by one, a lost locked increment, a
// bad echo, a process that ignores SIGTERM) fails the benchmark, and the
// same row with a healthy driver passes (testing.Benchmark reports N=0 for
// a failed benchmark).
func TestPythonFailsOnWrongAnswer(t *testing.T) {
	if _, err := model.Interpreter(model.KindPythonThread); err != nil {
		t.Skip(err)
	}
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	bt.Value.Set("3x") // a few ops per run: the faults show in the first
	defer bt.Value.Set(old)
	for _, rows := range [][]pyRow{pyCounterRows(), pySpawnRows(), pyScaleRows(), pyPoolRows(), pyIPCRows(),
		pyCoroutineRows(), pyLocalRows(), pySubprocessRows(), pyStopRows(), pyForkRows()} {
		row := rows[0]
		t.Run(row.family, func(t *testing.T) {
			var kept *py.Driver
			if r := testing.Benchmark(func(b *testing.B) { benchPy(b, row, &kept, true) }); r.N != 0 {
				t.Errorf("%s %s: a wrong Python answer completed %d ops; it must fail", row.family, row.name, r.N)
			}
			if kept != nil {
				t.Errorf("%s %s: the failed row's interpreter was kept", row.family, row.name)
				kept.Close()
			}
			// The healthy row twice, as two -count runs: the second
			// reuses the first's interpreter and is checked as well.
			for run := 1; run <= 2; run++ {
				first := kept
				if r := testing.Benchmark(func(b *testing.B) { benchPy(b, row, &kept, false) }); r.N == 0 {
					t.Errorf("%s %s: the healthy Python row failed in run %d", row.family, row.name, run)
				}
				if run == 2 && (kept == nil || kept != first) {
					t.Errorf("%s %s: run 2 started a new interpreter", row.family, row.name)
				}
			}
			if kept != nil {
				if err := kept.Close(); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// fixedOps says whether -benchtime is an op count (Nx): b.Loop then runs
// exactly that many ops, with no ramp-up to size.
func fixedOps() bool {
	f := flag.Lookup("test.benchtime")
	return f != nil && strings.HasSuffix(f.Value.String(), "x")
}
