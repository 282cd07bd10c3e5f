#!/usr/bin/env python3
"""Cuts testdata/machines/{a,b}.txt from the two committed recordings of
different machines: a few rows of Spawn, Scale, IPC, Pool, BusyLoop and
the kernel reference, every config and Unit line they need. Run from
report/: python3 testdata/machines/mk.py"""
import re

KEEP = re.compile(r"^Benchmark(Spawn/model=(goroutine|thread|process|exec-true|floor-go)-"
                  r"|Scale/kind=cpu/kernel=noop/model=(goroutine|thread|process)/workers=1-"
                  r"|IPC/pattern=pingpong/transport=(chan-buffered|os-pipe|shm-spin)/peer=(goroutine|process)/size=8B-"
                  r"|Pool/kernel=noop/model=goroutine/mode=map/chunk=(64|512)-"
                  r"|BusyLoop/model=(goroutine|python-thread)/workers=2"
                  r"|Reference/)")


def cut(src, dst):
    config, out, units = {}, [], set()
    for line in open(src):
        line = line.rstrip("\n")
        if line.startswith("Unit "):
            name = line.split()[1]
            if name not in units:
                units.add(name)
                out.append(line)
        elif re.match(r"^[a-z][^ :]*: ", line):
            k, v = line.split(": ", 1)
            if config.get(k) != v:
                config[k] = v
                out.append(line)
        elif KEEP.match(line):
            out.append(line)
    open(dst, "w").write("\n".join(out) + "\n")


cut("../results/8ecd64460d00/20261202T015636Z.txt", "testdata/machines/a.txt")
cut("../results/c32ac51fa19a/20261201T192635Z.txt", "testdata/machines/b.txt")
