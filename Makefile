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

# The kernel's reference figures (perf bench sched pipe, /bin/true spawns)
# interleaved with our process<->process pipe ping-pong, and their ratio.
ipc-reference:
	scripts/reference.sh -count $(COUNT) -ours
