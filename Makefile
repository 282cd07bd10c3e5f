# concbench. `make test` is what CI runs; `make bench` records a full run.
# `make help` lists the targets. Every target builds with $(GO).
GO       ?= go
COUNT    ?= 10
BENCHTIME ?= 1s
BENCH    ?= .
export GO
SHELL := /bin/bash

.PHONY: help test fmt fmt-check vet race smoke deps bench gil gil-bench report ipc-reference regress calibrate
.PHONY: perfdata startup-check
.DEFAULT_GOAL := test

help: ## list the targets and what each does
	@awk -F':.*## ' '/^[a-z-]+:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

test: deps fmt-check vet race smoke ## what CI runs: deps (as root), fmt-check, vet, race, smoke

fmt: ## gofmt -w every Go file (changes files)
	gofmt -w $$(git ls-files -co --exclude-standard '*.go')

fmt-check: ## fail if a Go file needs gofmt (changes nothing)
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

vet: ## go vet ./...
	$(GO) vet ./...

race: ## every test with the race detector
	$(GO) test -race -count=1 ./...

# Start-up never timed: every leaf BENCH selects run at 20 and 200 ops,
# interleaved, 3 times each; a per-op time that falls with the op count
# beyond noise is start-up left in the timed loop (bench/startup_test.go).
STARTUP_BENCH ?= .
startup-check: ## fail a leaf whose per-op cost falls from 20 to 200 ops: start-up timed (STARTUP_BENCH: -bench patterns, default every leaf: hours)
	CONCBENCH_STARTUP_BENCH='$(STARTUP_BENCH)' $(GO) test -count=1 -timeout 3h -run '^TestStartUpIsNotTimed$$' -v ./bench

# Every benchmark once: proves each one runs and verifies its own work, and
# that the suite's own output loads with the strict loader (concbench report).
smoke: ## every benchmark once (-benchtime 1x): each runs and verifies its work; the output loads
	@mkdir -p .dev
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./bench | tee .dev/smoke.txt
	scripts/concbench.sh report -summary .dev/smoke.txt > /dev/null
	@echo "make smoke: .dev/smoke.txt loads with the strict loader"

# The Debian packages some rows need (linux-perf for the kernel reference;
# nats-server for the distributed family's NATS queues; gunicorn,
# python3-flask, redis-server and wrk for the web family); without
# them only those rows skip. Needs root; skips cleanly
# otherwise, and when everything is installed already.
DEPS ?= linux-perf gunicorn nats-server python3-flask redis-server wrk
deps: ## install the Debian packages some rows need (root; apt-get)
	@missing=$$(for p in $(DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "make deps: installed already: $(DEPS)"; \
	elif [ "$$(id -u)" != 0 ]; then echo "make deps: not root, skipping; as root: apt-get install -y $$missing"; \
	elif ! command -v apt-get >/dev/null; then echo "make deps: no apt-get, skipping; install: $$missing"; \
	else { apt-get update && apt-get install -y $$missing; } || \
	  echo "make deps: apt-get failed; the rows that need $$missing will skip, each with one line"; fi

bench: ## record a run: results/<host-id>/<stamp>.txt (BENCH COUNT BENCHTIME; UPLOAD=1 uploads it to CONCBENCH_PERFDATA)
	scripts/bench.sh -count $(COUNT) -benchtime $(BENCHTIME) -bench '$(BENCH)'
	$(if $(UPLOAD),scripts/concbench.sh upload "$$(scripts/concbench.sh record -reuse -path-only)")

# make perfdata: x/perf's localperfdata (the perfdata server on SQLite) on
# loopback, its database and files under results/perfdata/ (which ignores
# itself in git). concbench upload and report -perfdata talk to it.
PERFDATA_ADDR ?= 127.0.0.1:8089
perfdata: ## run localperfdata on loopback, SQLite in results/perfdata/ (PERFDATA_ADDR, default 127.0.0.1:8089)
	mkdir -p results/perfdata/files && printf '*\n' > results/perfdata/.gitignore
	@echo "make perfdata: listening on http://$(PERFDATA_ADDR), database results/perfdata/perfdata.db; export CONCBENCH_PERFDATA=$(PERFDATA_ADDR)"
	$(GO) tool localperfdata -addr $(PERFDATA_ADDR) -dsn results/perfdata/perfdata.db -data results/perfdata/files \
		-base_dir "$$($(GO) list -m -f '{{.Dir}}' golang.org/x/perf)/storage/appengine"

# make report: benchstat tables, charts and README.md in results/<host-id>/report/.
# With no results for this machine it first records a short profile of every
# family (PROFILE_COUNT × PROFILE_BENCHTIME). RESULTS=files renders those files
# instead of the newest run; REPORT_FLAGS passes concbench report flags
# (-col /model -filter ...); REPORT_OUT picks the output directory;
# RESULTS_ROOT is where recordings live (default results/, as <root>/<host-id>/).
RESULTS ?=
RESULTS_ROOT ?= results
REPORT_FLAGS ?=
REPORT_OUT ?=
PROFILE_COUNT ?= 6
PROFILE_BENCHTIME ?= 10ms

report: deps ## tables and charts of this machine's newest run; with no run yet, first records the short profile (about 3 min) (RESULTS RESULTS_ROOT REPORT_FLAGS REPORT_OUT)
	scripts/report.sh $(if $(REPORT_OUT),-o $(REPORT_OUT)) -results '$(RESULTS_ROOT)' -count $(PROFILE_COUNT) -benchtime $(PROFILE_BENCHTIME) -- $(REPORT_FLAGS) $(RESULTS)

# The kernel's reference figures (perf bench sched pipe, /bin/true spawns)
# interleaved with our process<->process pipe ping-pong, and their ratio.
ipc-reference: ## kernel reference figures beside our pipe ping-pong, and the ratio (COUNT)
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

regress: ## A/B gate: BASE against the working tree, interleaved (ROUNDS BENCH COMPARE_FLAGS)
	scripts/regress.sh -base '$(BASE)' -rounds $(ROUNDS) -bench '$(BENCH)' -benchtime $(GATE_BENCHTIME) -- $(COMPARE_FLAGS)

calibrate: ## A/A run: this machine's noise floor per benchmark (ROUNDS BENCH)
	scripts/calibrate.sh -rounds $(ROUNDS) -bench '$(BENCH)' -benchtime $(GATE_BENCHTIME) -- $(COMPARE_FLAGS)

# The GIL busy-loop experiment (docs/gil.md). `make gil` is the live view;
# `make gil-bench` records BenchmarkBusyLoop at GOMAXPROCS=1 and =ncpu, with
# each run's per-core series saved as CSV under results/<host-id>/<stamp>.samples/.
NCPU ?= $(shell nproc)
gil: ## the GIL busy-loop experiment, live
	$(GO) run ./cmd/concbench gil

gil-bench: ## record BusyLoop and Sampler at GOMAXPROCS=1,NCPU with per-core samples (COUNT)
	scripts/bench.sh -count $(COUNT) -bench 'BusyLoop|Sampler' -cpu 1,$(NCPU)
