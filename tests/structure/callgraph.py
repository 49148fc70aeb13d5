#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Who calls whom among authd's own files, read off the object files.

usage: callgraph.py [--unit PREFIX]... OBJECT...

--unit PREFIX counts every file whose name starts with PREFIX as one (a
module split by area for size, such as one store back end).

Prints one line per file: the files whose functions or data it uses.
Exits 1 (naming them) when the files form a circle: a layer that calls
back into the layer above it.  The graph is read with nm from the
objects the daemon is built from, so it cannot drift from the code.
"""
import collections
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBR":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            used.add(f[1])
    return defined, used


def circles(graph):
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(args):
    units, objs = [], []
    while args:
        a = args.pop(0)
        if a == "--unit" and args:
            units.append(args.pop(0))
        else:
            # CMake hands a list of objects over as one word with ';'.
            objs.extend(x for x in a.split(";") if x)
    if not objs:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    defs, uses = {}, {}
    for o in objs:
        name = os.path.basename(o)
        for suffix in (".c.o", ".o"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        for u in units:
            if name.startswith(u):
                name = u
        d, u = symbols(o)
        defs.setdefault(name, set()).update(d)
        uses.setdefault(name, set()).update(u)
    owner = {s: n for n, d in defs.items() for s in d}
    graph = collections.defaultdict(set)
    for n in defs:
        graph[n]
        for s in uses[n]:
            if s in owner and owner[s] != n:
                graph[n].add(owner[s])
    for n in sorted(graph):
        print("%-12s -> %s" % (n, " ".join(sorted(graph[n])) or "-"))
    bad = circles(graph)
    for c in bad:
        print("circle: " + " <-> ".join(c))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
