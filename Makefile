# concbench. `make test` is what CI runs; `make bench` records a full run.
GO       ?= go
COUNT    ?= 10
BENCHTIME ?= 1s
BENCH    ?= .

.PHONY: test fmt vet race smoke bench ipc-reference

test: fmt vet race smoke

fmt:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 ./...

# Every benchmark once: proves each one runs and verifies its own work.
smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./bench

bench:
	scripts/bench.sh -count $(COUNT) -benchtime $(BENCHTIME) -bench '$(BENCH)'

# make report: benchstat tables, charts and README.md in results/<host-id>/report/.
# With no results for this machine it first records a short profile of every
# family (PROFILE_COUNT × PROFILE_BENCHTIME). RESULTS=files renders those files
# instead of the newest run; REPORT_FLAGS passes concbench report flags
# (-col /model -filter ...); REPORT_OUT picks the output directory.
RESULTS ?=
REPORT_FLAGS ?=
REPORT_OUT ?=
PROFILE_COUNT ?= 6
PROFILE_BENCHTIME ?= 20ms

.PHONY: report
report:
	scripts/report.sh $(if $(REPORT_OUT),-o $(REPORT_OUT)) -count $(PROFILE_COUNT) -benchtime $(PROFILE_BENCHTIME) -- $(REPORT_FLAGS) $(RESULTS)

# The kernel's reference figures (perf bench sched pipe, /bin/true spawns)
# interleaved with our process<->process pipe ping-pong, and their ratio.
ipc-reference:
	scripts/reference.sh -count $(COUNT) -ours

# Regression gate (docs/regression.md). `make regress BASE=<git ref>` runs the
# bench binary of BASE and of the working tree interleaved, ROUNDS rounds,
# and fails on a regression; `make calibrate` is the A/A run that measures
# this machine's noise floor. BENCHTIME here defaults to 100ms, not the
# 1s of `make bench`, unless you set it. COMPARE_FLAGS go to concbench compare
# (e.g. COMPARE_FLAGS='-threshold-default 0.3 -force').
ROUNDS ?= 10
BASE ?= origin/main
COMPARE_FLAGS ?=
GATE_BENCHTIME = $(if $(filter command line environment,$(origin BENCHTIME)),$(BENCHTIME),100ms)

.PHONY: regress calibrate
regress:
	scripts/regress.sh -base '$(BASE)' -rounds $(ROUNDS) -bench '$(BENCH)' -benchtime $(GATE_BENCHTIME) -- $(COMPARE_FLAGS)

calibrate:
	scripts/calibrate.sh -rounds $(ROUNDS) -bench '$(BENCH)' -benchtime $(GATE_BENCHTIME) -- $(COMPARE_FLAGS)

# The GIL busy-loop experiment (docs/gil.md). `make gil` is the live view;
# `make gil-bench` records BenchmarkBusyLoop at GOMAXPROCS=1 and =ncpu, with
# each run's per-core series saved as CSV under results/<host-id>/<stamp>.samples/.
NCPU ?= $(shell nproc)
.PHONY: gil gil-bench
gil:
	$(GO) run ./cmd/concbench gil

gil-bench:
	scripts/bench.sh -count $(COUNT) -bench 'BusyLoop|Sampler' -cpu 1,$(NCPU)
