package report

// Family is everything the report knows about one benchmark family: the
// charts it draws and where the sampler's heatmaps go. A later family needs
// one entry in FamilyTable and nothing else; a family with no entry still
// gets the generic chart (one dot or bar per sub-benchmark).
type Family struct {
	Name  string // base name without "Benchmark": "Scale"
	Specs []Spec
	// Heatmaps puts the per-core heatmaps of the run's samples in this
	// family's section: the sampler records the busy loop, so that is
	// where "how many cores were busy" is asked.
	Heatmaps bool
	// Questions are the family's rows in the report's summary table. A
	// family without any gets one generic row (its first spec's unit, the
	// best sub-benchmark per model); Last families get none.
	Questions []Question
	// Last puts the family's section after every other: the kernel's
	// reference figures and the suite's own costs (Sampler) answer no
	// question of the seeds.
	Last bool
}

// Spec says how to chart a benchmark family, or one slice of it: which
// sub-name key goes on the x axis, which keys make one line each, which keys
// split it into separate charts, and which unit is plotted. A Spec with no X
// is the generic chart: one bar (or dot) per sub-benchmark, which is also
// what a family without an entry gets.
type Spec struct {
	Where Where    // only the sub-benchmarks it selects
	Split []string // one chart per distinct value of these keys
	// X is the key on the x axis; numeric (4, 4KiB) or not (model names).
	// Without one the chart is one bar (or dot) per sub-benchmark of Unit.
	X      string
	Series []string // one line per distinct value of these keys
	// Unit is the unit after benchunit.Tidy: "sec/op", "B/s". The generic
	// chart without one plots sec/op, else the family's first unit.
	Unit string
	// Extra lists units drawn dashed in the series' colour, the first one
	// present wins: a tail percentile beside the median.
	Extra      []string
	ExtraLabel string // legend suffix for Extra, "p99"
	// Throughput plots 1/value of a sec/op unit, in YUnit ("tasks/s").
	Throughput bool
	YUnit      string
	LogX, LogY bool
	Title      string // split values are appended
	XLabel     string
	YLabel     string // the scaled unit is appended: "time per spawn (µs/op)"
	// Reference names a value of X drawn as a dashed horizontal line
	// instead of a point: a kernel floor such as model=exec-true.
	Reference string
	// Cores says the unit counts cores: the value axis runs from 0 to
	// the machine's ncpu, unscaled, with a line at ncpu.
	Cores bool
	// Knee adds a sentence per series saying where a larger X stops
	// paying off: the next X cuts the cost by less than half.
	Knee bool
	// Wrong names series key values whose answer is wrong by design (the
	// counter without a lock) and what goes wrong: their label says it.
	Wrong map[string]string
}

// FamilyTable lists the families concbench has today, with their charts
// and summary rows, in the seeds' order: processes and spawning, scaling,
// IPC, the GIL, pools, locks, thread-local state, coroutines, subprocess,
// stopping, parent size. The report's sections follow this order; a family
// without an entry comes after these, and Last families at the very end.
var FamilyTable = []Family{
	{Name: "Spawn", Specs: []Spec{{X: "model", Unit: "sec/op", LogY: true, Reference: "exec-true",
		Title: "Cost of one worker's life: spawn, one task, join", XLabel: "model", YLabel: "time per spawn"}},
		Questions: []Question{{Text: "a worker's whole life: spawn, one task, join",
			Refs: []Ref{{Where: map[string]string{"model": "floor-kernel"}}, {Where: map[string]string{"model": "floor-go"}},
				{Where: map[string]string{"model": "exec-true"}, Fallback: true}}}}},
	{Name: "Scale", Specs: []Spec{{Split: []string{"kind", "kernel"}, X: "workers", Series: []string{"model"},
		Unit: "sec/op", Throughput: true, LogX: true, LogY: true,
		Title: "Throughput vs workers", XLabel: "workers", YLabel: "throughput", YUnit: "tasks/s"}},
		Questions: []Question{
			{Text: "per-task overhead, no-op task, 1 worker", Where: map[string]string{"kind": "cpu", "kernel": "noop", "workers": "1"},
				Refs: []Ref{{Label: "perf bench sched pipe", Family: "Reference", Where: map[string]string{"tool": "perf-sched-pipe", "peer": "process"}}}},
			{Text: "CPU-bound: SHA-256 task, 1 → ncpu workers", Where: map[string]string{"kind": "cpu", "kernel": "sha256"},
				Vary: "workers", From: "1", To: "ncpu"},
			{Text: "IO-bound: 1 ms sleep task, 1 → most workers", Where: map[string]string{"kind": "io", "kernel": "sleep"},
				Vary: "workers", From: "1", To: "max"}}},
	// The work-size sweep; the Answers section reads its break-even sizes.
	{Name: "ScaleWork", Specs: []Spec{{Split: []string{"workers"}, X: "work", Series: []string{"model"},
		Unit: "sec/op", Throughput: true, LogX: true, LogY: true, Title: "Throughput vs work per task",
		XLabel: "work per task (rounds of SHA-256)", YLabel: "throughput", YUnit: "tasks/s"}},
		Questions: []Question{{Text: "CPU-bound, the largest task of the work sweep (sha256-chain), ncpu workers",
			Where: map[string]string{"workers": "ncpu", "work": "max"}}}},
	// One chart per peer: all transports × peers in one chart is 40 lines.
	{Name: "IPC", Specs: []Spec{
		{Where: map[string]string{"pattern": "pingpong"}, Split: []string{"pattern", "peer"},
			X: "size", Series: []string{"transport"}, Unit: "sec/op",
			Extra: []string{"p99-sec", "p99-sec/op"}, ExtraLabel: "p99", LogX: true, LogY: true,
			Title: "Round-trip latency vs message size", XLabel: "message size (bytes)", YLabel: "round trip"},
		{Where: map[string]string{"pattern": "stream"}, Split: []string{"pattern", "peer"},
			X: "size", Series: []string{"transport"}, Unit: "B/s", LogX: true, LogY: true,
			Title: "Streaming throughput vs message size", XLabel: "message size (bytes)", YLabel: "throughput"}},
		Questions: []Question{{Text: "the cheapest round trip of the smallest message, per peer",
			// check=bare rows are the mechanism without verification:
			// they show the harness's share, they do not answer.
			Where: map[string]string{"pattern": "pingpong", "size": "min", "check": "!bare"}, By: "peer",
			Refs: []Ref{{Label: "perf bench sched pipe", Family: "Reference", Where: map[string]string{"tool": "perf-sched-pipe", "peer": "process"}}}}}},
	// The GIL experiment: "uses all cores" and "gets more done", per model,
	// at each GOMAXPROCS the run had (-cpu 1,N gives one line each).
	{Name: "BusyLoop", Heatmaps: true, Specs: []Spec{
		{X: "model", Unit: "busy-cores", Title: "Busy-loop: cores kept busy", XLabel: "model", YLabel: "busy cores", Cores: true},
		{X: "model", Unit: "iters/s", LogY: true,
			Title: "Busy-loop: work done (x ^= 1 iterations per second)", XLabel: "model", YLabel: "work rate"}},
		Questions: []Question{{Text: "the seeds' busy loop, one per core: busy cores at GOMAXPROCS 1 → ncpu",
			Unit: "busy-cores", Where: map[string]string{"workers": "max"}, Vary: "gomaxprocs", From: "1", To: "ncpu"}}},
	{Name: "Pool", Specs: []Spec{{Split: []string{"kernel", "mode"}, X: "chunk", Series: []string{"model"}, Unit: "sec/item",
		LogX: true, LogY: true, Knee: true, Title: "Pool: cost per item vs chunk size", XLabel: "chunk (items per hand-off)", YLabel: "time per item"}},
		Questions: []Question{{Text: "pool of no-op tasks: cost per item at the best chunk and calling style",
			Unit: "sec/item", Where: map[string]string{"kernel": "noop"}}}},
	{Name: "Counter", Specs: []Spec{{X: "workers", Series: []string{"sync"}, Unit: "sec/op", LogX: true, LogY: true,
		Title: "Shared counter: cost per increment", XLabel: "workers", YLabel: "time per increment",
		Wrong: map[string]string{"unsynced": "wrong: loses updates"}}},
		Questions: []Question{{Text: "a shared counter, most workers: the cheapest correct update",
			Where: map[string]string{"workers": "max", "sync": "!unsynced"}, Column: "goroutine"}}},
	{Name: "Local", Specs: []Spec{{X: "workers", Series: []string{"state"}, Unit: "sec/op", LogX: true,
		Title: "Per-worker state: cost per lookup-and-update", XLabel: "workers", YLabel: "time per update"}},
		Questions: []Question{{Text: "per-worker state, most workers: the cheapest lookup-and-update",
			Where: map[string]string{"workers": "max"}, Column: "goroutine"}}},
	{Name: "Coroutine", Specs: []Spec{{X: "handoff", Unit: "sec/op", LogY: true,
		Title: "Coroutine hand-off: cost per send/yield with its reply checked", XLabel: "hand-off", YLabel: "time per hand-off"}},
		// The Python row is the seeds' generator, run on one thread.
		Questions: []Question{{Text: "a coroutine hand-off (send/yield and its reply): the cheapest", Column: "goroutine",
			Where: map[string]string{"check": "!bare"}, Labels: map[string]string{"python-thread": "python-generator"}}}},
	{Name: "Subprocess", Specs: []Spec{
		{Where: map[string]string{"cmd": "cat"}, X: "size", Series: []string{"child"}, Unit: "sec/op",
			LogX: true, LogY: true, Title: "Subprocess: N bytes through cat and back", XLabel: "bytes", YLabel: "round trip"},
		{Where: map[string]string{"cmd": "true"}, X: "api", Unit: "sec/op",
			Title: "Subprocess: run /bin/true to completion", XLabel: "API", YLabel: "time per run"}},
		Questions: []Question{{Text: "run /bin/true to completion: the cheapest API",
			Where: map[string]string{"cmd": "true"}, By: "api", Column: "process"}}},
	// Stop's headline is stop-ns (request to confirmed stop), not the
	// whole start-and-stop op; process has a signal key the others lack.
	{Name: "Stop", Specs: []Spec{{Unit: "stop-sec", Title: "Stop: request to confirmed stop", YLabel: "time to stop"}},
		Questions: []Question{{Text: "stop a busy worker: request to confirmed stop",
			Unit: "stop-sec", Where: map[string]string{"state": "busy"}}}},
	{Name: "SpawnParent", Specs: []Spec{{X: "touched", Series: []string{"model"}, Unit: "sec/op", LogY: true,
		Title: "Spawn cost vs the parent's touched memory", XLabel: "parent's touched memory (bytes)", YLabel: "time per spawn"}},
		Questions: []Question{{Text: "spawn from a parent with the most touched memory",
			Where: map[string]string{"touched": "max"}, Map: map[string]string{"fork": "process"},
			Refs: []Ref{{Where: map[string]string{"model": "exec-true"}}}}}},
	// One line per queue over the worker hosts (one process each), a chart
	// per added round trip and task: a queue that pays a round trip per
	// item stays flat at rtt=1ms, a pipelined one does not.
	{Name: "Distributed", Specs: []Spec{{Where: map[string]string{"procs": "1"}, Split: []string{"rtt", "task"},
		X: "hosts", Series: []string{"queue"}, Unit: "tasks/s", LogY: true,
		Title: "Distributed: tasks/s vs worker hosts", XLabel: "worker hosts", YLabel: "throughput"}},
		// Go's queues and the Python manager in the columns, the brokers
		// a team would deploy beside them.
		Questions: []Question{{Text: "a task through a master/worker queue: 1 worker host, no added delay",
			Unit: "tasks/s", By: "queue", Where: map[string]string{"hosts": "1", "procs": "1", "rtt": "0", "task": "square"},
			Map:  map[string]string{"manager": colProcess, "manager-process": colProcess, "stream": colProcess, "python-manager": colPython},
			Refs: []Ref{{Where: map[string]string{"queue": "nats"}}, {Where: map[string]string{"queue": "nats-jetstream"}}}}}},
	{Name: "DistributedFault", Specs: []Spec{
		{X: "queue", Series: []string{"fault"}, Unit: "lost-tasks",
			Title: "Distributed: tasks lost to a killed worker or a downed link", XLabel: "queue", YLabel: "lost tasks per run"},
		{X: "queue", Series: []string{"fault"}, Unit: "redelivered",
			Title: "Distributed: tasks handed out twice", XLabel: "queue", YLabel: "redelivered per run"}},
		Questions: []Question{{Text: "tasks lost when a worker process is killed mid-run (of 1000)",
			Unit: "lost-tasks", By: "queue", Where: map[string]string{"fault": "kill"},
			Map:  map[string]string{"manager": colProcess, "manager-process": colProcess, "stream": colProcess, "python-manager": colPython},
			Refs: []Ref{{Where: map[string]string{"queue": "nats"}}, {Where: map[string]string{"queue": "nats-jetstream"}}}}}},
	// One chart per path: req/s and p99 of single requests vs the
	// closed-loop client's connections, one line per server and workers.
	{Name: "Web", Specs: []Spec{
		{Split: []string{"path"}, X: "conns", Series: []string{"server", "workers"}, Unit: "req/s", LogX: true, LogY: true,
			Title: "Web: requests per second vs connections", XLabel: "connections", YLabel: "throughput"},
		{Split: []string{"path"}, X: "conns", Series: []string{"server", "workers"}, Unit: "p99-sec", LogX: true, LogY: true,
			Title: "Web: p99 latency of single requests vs connections", XLabel: "connections", YLabel: "p99 latency"}},
		// The seeds' pre-fork servers are processes; gunicorn is their
		// Python. wrk on the goroutine server is the client's ceiling.
		Questions: []Question{{Text: "a web server's /hello at 16 connections, ncpu workers",
			Unit: "req/s", By: "server", Where: map[string]string{"path": "hello", "conns": "16", "workers": "ncpu"},
			Map: map[string]string{"prefork": colProcess, "reuseport": colProcess,
				"gunicorn-sync": colPython, "gunicorn-gthread": colPython},
			// wrk and our client in WebReference's own run, compared
			// with each other only: the columns are another run's.
			Refs: []Ref{{Label: "our client on goroutine", Family: "WebReference", Unit: "req/s"},
				{Label: "wrk on goroutine", Family: "WebReference", Unit: "wrk-req/s"}},
			RefsApart: true}}},
	// The seeds' Manager().Queue() on one machine, the plain pipe queue
	// of each language beside it.
	{Name: "ManagerQueue", Specs: []Spec{{X: "queue", Series: []string{"model"}, Unit: "sec/op", LogY: true,
		Title: "ManagerQueue: cost per task, a manager-proxied queue vs a pipe queue", XLabel: "queue", YLabel: "time per task"}},
		Questions: []Question{{Text: "a task through Manager().Queue(), 2 worker processes, beside a plain pipe queue",
			Where: map[string]string{"queue": "manager"},
			Refs: []Ref{{Label: "Go pipe queue", Where: map[string]string{"queue": "pipe", "model": "process"}, Pair: colProcess},
				{Label: "multiprocessing.Queue", Where: map[string]string{"queue": "pipe", "model": "python-process"}, Pair: "python-process"}}}}},
	{Name: "WebCounter", Specs: []Spec{{Unit: "req/s", Title: "Web: /count throughput per counter (the fixes' cost)", YLabel: "throughput"}}},
	{Name: "Reference", Last: true},
	{Name: "Sampler", Last: true},
}

// headlineUnit is the unit a family is summed up in: its first spec's,
// "" when it has none (then sec/op, else the first unit present).
func (f Family) headlineUnit() string {
	if len(f.Specs) == 0 {
		return ""
	}
	return f.Specs[0].Unit
}

// familyInfo returns name's entry in FamilyTable; a family without one
// gets the generic chart.
func familyInfo(name string) Family {
	for _, f := range FamilyTable {
		if f.Name == name {
			return f
		}
	}
	return Family{Name: name, Specs: []Spec{{}}}
}
