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
}

// Spec says how to chart a benchmark family, or one slice of it: which
// sub-name key goes on the x axis, which keys make one line each, which keys
// split it into separate charts, and which unit is plotted. A Spec with no X
// is the generic chart: one bar (or dot) per sub-benchmark, which is also
// what a family without an entry gets.
type Spec struct {
	Where map[string]string // only sub-benchmarks with these key values
	Split []string          // one chart per distinct value of these keys
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
	// Knee adds a sentence per series saying where a larger X stops
	// paying off: the next X cuts the cost by less than half.
	Knee bool
}

// FamilyTable lists the families concbench has today, with their charts.
var FamilyTable = []Family{
	{Name: "Scale", Specs: []Spec{{Split: []string{"kind", "kernel"}, X: "workers", Series: []string{"model"},
		Unit: "sec/op", Throughput: true, LogX: true, LogY: true,
		Title: "Throughput vs workers", XLabel: "workers", YLabel: "throughput", YUnit: "tasks/s"}}},
	{Name: "Spawn", Specs: []Spec{{X: "model", Unit: "sec/op", LogY: true, Reference: "exec-true",
		Title: "Cost of one worker's life: spawn, one task, join", XLabel: "model", YLabel: "time per spawn"}}},
	// One chart per peer: all transports × peers in one chart is 40 lines.
	{Name: "IPC", Specs: []Spec{
		{Where: map[string]string{"pattern": "pingpong"}, Split: []string{"pattern", "peer"},
			X: "size", Series: []string{"transport"}, Unit: "sec/op",
			Extra: []string{"p99-sec", "p99-sec/op"}, ExtraLabel: "p99", LogX: true, LogY: true,
			Title: "Round-trip latency vs message size", XLabel: "message size (bytes)", YLabel: "round trip"},
		{Where: map[string]string{"pattern": "stream"}, Split: []string{"pattern", "peer"},
			X: "size", Series: []string{"transport"}, Unit: "B/s", LogX: true, LogY: true,
			Title: "Streaming throughput vs message size", XLabel: "message size (bytes)", YLabel: "throughput"}}},
	{Name: "Counter", Specs: []Spec{{X: "workers", Series: []string{"sync"}, Unit: "sec/op", LogX: true, LogY: true,
		Title: "Shared counter: cost per increment", XLabel: "workers", YLabel: "time per increment"}}},
	{Name: "Pool", Specs: []Spec{{Split: []string{"kernel", "mode"}, X: "chunk", Series: []string{"model"}, Unit: "sec/item",
		LogX: true, LogY: true, Knee: true, Title: "Pool: cost per item vs chunk size", XLabel: "chunk (items per hand-off)", YLabel: "time per item"}}},
	// The GIL experiment: "uses all cores" and "gets more done", per model,
	// at each GOMAXPROCS the run had (-cpu 1,N gives one line each).
	{Name: "BusyLoop", Heatmaps: true, Specs: []Spec{
		{X: "model", Unit: "busy-cores", Title: "Busy-loop: cores kept busy", XLabel: "model", YLabel: "busy cores"},
		{X: "model", Unit: "iters/s", LogY: true,
			Title: "Busy-loop: work done (x ^= 1 iterations per second)", XLabel: "model", YLabel: "work rate"}}},
	{Name: "Local", Specs: []Spec{{X: "workers", Series: []string{"state"}, Unit: "sec/op", LogX: true,
		Title: "Per-worker state: cost per lookup-and-update", XLabel: "workers", YLabel: "time per update"}}},
	{Name: "Coroutine", Specs: []Spec{{X: "handoff", Unit: "sec/op", LogY: true,
		Title: "Coroutine hand-off: cost per send/yield with its reply checked", XLabel: "hand-off", YLabel: "time per hand-off"}}},
	{Name: "Subprocess", Specs: []Spec{
		{Where: map[string]string{"cmd": "cat"}, X: "size", Series: []string{"child"}, Unit: "sec/op",
			LogX: true, LogY: true, Title: "Subprocess: N bytes through cat and back", XLabel: "bytes", YLabel: "round trip"},
		{Where: map[string]string{"cmd": "true"}, X: "api", Unit: "sec/op",
			Title: "Subprocess: run /bin/true to completion", XLabel: "API", YLabel: "time per run"}}},
	// Stop's headline is stop-ns (request to confirmed stop), not the
	// whole start-and-stop op; process has a signal key the others lack.
	// One line per queue over the worker hosts (one process each), a chart
	// per added round trip and task: a queue that pays a round trip per
	// item stays flat at rtt=1ms, a pipelined one does not.
	{Name: "Distributed", Specs: []Spec{{Where: map[string]string{"procs": "1"}, Split: []string{"rtt", "task"},
		X: "hosts", Series: []string{"queue"}, Unit: "tasks/s", LogY: true,
		Title: "Distributed: tasks/s vs worker hosts", XLabel: "worker hosts", YLabel: "throughput"}}},
	{Name: "DistributedFault", Specs: []Spec{
		{X: "queue", Series: []string{"fault"}, Unit: "lost-tasks",
			Title: "Distributed: tasks lost to a killed worker or a downed link", XLabel: "queue", YLabel: "lost tasks per run"},
		{X: "queue", Series: []string{"fault"}, Unit: "redelivered",
			Title: "Distributed: tasks handed out twice", XLabel: "queue", YLabel: "redelivered per run"}}},
	{Name: "Stop", Specs: []Spec{{Unit: "stop-sec", Title: "Stop: request to confirmed stop", YLabel: "time to stop"}}},
	{Name: "SpawnParent", Specs: []Spec{{X: "touched", Series: []string{"model"}, Unit: "sec/op", LogY: true,
		Title: "Spawn cost vs the parent's touched memory", XLabel: "parent's touched memory (bytes)", YLabel: "time per spawn"}}},
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
