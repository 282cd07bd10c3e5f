# concbench. `make test` is what CI runs; `make bench` records a full run.
GO       ?= go
COUNT    ?= 10
BENCHTIME ?= 1s
BENCH    ?= .

.PHONY: test fmt vet race smoke bench

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

# The GIL busy-loop experiment (docs/gil.md). `make gil` is the live view;
# `make gil-bench` records BenchmarkBusyLoop at GOMAXPROCS=1 and =ncpu, with
# each run's per-core series saved as CSV under results/gil-samples/<stamp>/.
NCPU ?= $(shell nproc)
.PHONY: gil gil-bench
gil:
	$(GO) run ./cmd/concbench gil

gil-bench:
	CONCBENCH_SAMPLES_DIR=$(CURDIR)/results/gil-samples/$$(date -u +%Y%m%dT%H%M%SZ) \
		scripts/bench.sh -count $(COUNT) -bench 'BusyLoop|Sampler' -cpu 1,$(NCPU)
