#!/usr/bin/env python3
"""Writes the golden-test inputs (old.txt, new.txt, models.txt): small,
realistic concbench result files with a fixed random seed. Run once; the
outputs are committed. Regenerate the expected tables with
`go test ./report -run TestGolden -update` after changing them."""
import random

random.seed(5)
HDR = """ncpu: 2
gomaxprocs: 2
go: go1.26.8
kernel: 6.18.44
host-id: 0123456789ab
Unit cpu-ns/op better=lower
Unit ctxsw/op better=lower
Unit lost-updates assume=exact better=lower
goos: linux
goarch: amd64
pkg: github.com/concbench/concbench/bench
cpu: AMD EPYC
"""
BASE = {"goroutine": 900.0, "thread": 14000.0, "process": 52000.0}
SPAWN = {"goroutine": 310.0, "thread": 21000.0, "process": 1.9e6, "exec-true": 7.5e5}

def fmtv(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.4g}"

def line(name, iters, vals):
    cols = "\t".join(f"{fmtv(v):>12} {u}" for v, u in vals)
    return f"{name:<72}\t{iters:>9d}\t{cols}\n"

def write(path, speedup, count, spread):
    with open(path, "w") as f:
        f.write(HDR)
        for m, base in BASE.items():
            for w in (1, 2, 4):
                for _ in range(count):
                    ns = base / min(w, 2) * speedup.get(m, 1.0) * random.uniform(1 - spread, 1 + spread)
                    f.write(line(f"BenchmarkScale/kind=cpu/kernel=sha256/model={m}/workers={w}-2", 10000,
                                 [(ns, "ns/op"), (ns * 1.9 * random.uniform(.97, 1.03), "cpu-ns/op"),
                                  (random.uniform(0.001, 1.2), "ctxsw/op")]))
        for m, base in SPAWN.items():
            for _ in range(count):
                ns = base * speedup.get(m, 1.0) * random.uniform(1 - spread, 1 + spread)
                f.write(line(f"BenchmarkSpawn/model={m}-2", 1000, [(ns, "ns/op")]))
        for s in ("none", "mutex"):
            for _ in range(count):
                ns = (2.0 if s == "none" else 24.0) * random.uniform(1 - spread, 1 + spread)
                f.write(line(f"BenchmarkCounter/sync={s}/workers=2-2", 1000000,
                             [(ns, "ns/op"), (1234 if s == "none" else 0, "lost-updates")]))
        f.write("PASS\nok  \tgithub.com/concbench/concbench/bench\t12.3s\n")

write("old.txt", {}, 10, 0.04)
write("new.txt", {"thread": 0.8, "process": 1.1}, 10, 0.04)
write("models.txt", {}, 6, 0.10)

# suite.txt: one file with every family the charts know, plus one they do
# not (Mystery), and per-core samples for the busy loop in suite.samples/.
def suite():
    with open("suite.txt", "w") as f:
        f.write(HDR.replace("Unit lost-updates", "Unit p99-ns better=lower\nUnit lost-updates"))
        for kind, kernels in (("cpu", ("noop", "sha256")), ("io", ("sleep",))):
            for k in kernels:
                for m, base in BASE.items():
                    for w in (1, 2, 4):
                        for _ in range(6):
                            b = base if kind == "cpu" else 1e6 + base
                            par = min(w, 2) if kind == "cpu" else w
                            ns = b / par * random.uniform(0.95, 1.05)
                            f.write(line(f"BenchmarkScale/kind={kind}/kernel={k}/model={m}/workers={w}-2", 1000, [(ns, "ns/op")]))
        for m, base in SPAWN.items():
            for _ in range(6):
                f.write(line(f"BenchmarkSpawn/model={m}-2", 1000, [(base * random.uniform(0.95, 1.05), "ns/op")]))
        for pattern in ("pingpong", "stream"):
            for t, p, base in (("chan", "goroutine", 200), ("pipe", "thread", 4000), ("unix", "process", 9000)):
                for size, nb in (("8B", 8), ("4KiB", 4096), ("1MiB", 1 << 20)):
                    for _ in range(6):
                        ns = (base + nb * 0.05) * random.uniform(0.95, 1.05)
                        vals = [(ns, "ns/op")]
                        if pattern == "pingpong":
                            vals.append((ns * 2.5, "p99-ns"))
                        else:
                            vals.append((nb / ns * 1e3, "MB/s"))
                        f.write(line(f"BenchmarkIPC/pattern={pattern}/transport={t}/peer={p}/size={size}-2", 1000, vals))
        for s, base in (("none", 1.5), ("mutex", 20), ("atomic", 6), ("channel", 90)):
            for w in (1, 2, 4):
                for _ in range(6):
                    f.write(line(f"BenchmarkCounter/sync={s}/workers={w}-2", 100000,
                                 [(base * w * random.uniform(0.95, 1.05), "ns/op"), (1000 * (w - 1) if s == "none" else 0, "lost-updates")]))
        for m in ("goroutine", "thread", "process"):
            for _ in range(6):
                f.write(line(f"BenchmarkBusyLoop/model={m}/gomaxprocs=2-2", 10, [(1e8 * random.uniform(0.95, 1.05), "ns/op")]))
        for i, x in enumerate(("alpha", "beta", "gamma", "delta")):
            for _ in range(6):
                f.write(line(f"BenchmarkMystery/variant={x}-2", 1000, [(10 ** (i + 1) * random.uniform(0.9, 1.1), "ns/op")]))
    import os
    os.makedirs("suite.samples", exist_ok=True)
    for m, busy in (("goroutine", (1, 1)), ("python-threads", (1, 0))):
        with open(f"suite.samples/busyloop_model={m}.csv", "w") as f:
            f.write("t_ms,cpu,util_pct,steal_pct\n")  # the sampler's own format
            for t in range(0, 3000, 100):
                for cpu in range(2):
                    # python threads: the GIL moves one busy core around.
                    u = busy[cpu] if m == "goroutine" else (1 if (t // 500) % 2 == cpu else 0.05)
                    f.write(f"{t},{cpu},{100 * round(min(1, u * random.uniform(0.9, 1.0) + 0.02), 3):.1f},0.0\n")

suite()
