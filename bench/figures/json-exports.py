#!/usr/bin/env python3
"""Large `sacct --json` and `kubectl get pods -A -o json` documents for the importers' memory
figures (docs/performance.md, docs/formats.md).

Each is the test fixture (tests/traces/data/slurm_sacct.json, k8s_pods.json) with its array
replaced by N copies of the fixture's first element, renumbered as bench/bench_traces.cpp does,
pretty-printed the way the tools print them (sacct: 2 spaces, kubectl: 4). Written element by
element, so the generator itself needs little memory.

  bench/figures/json-exports.py OUT_DIR [N=200000] [compact]
      # OUT_DIR/sacct-200k.json, pods-200k.json (compact: one line, -compact.json)
"""
import copy
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "traces" / "data"


def write(out, fixture, key, indent, n, renumber):
    doc = json.loads((DATA / fixture).read_text())
    first = doc[key][0]
    if indent is None:  # compact: one line
        doc[key] = ["@ITEMS@"]
        head, tail = json.dumps(doc, separators=(",", ":")).split('"@ITEMS@"')
        with open(out, "w") as f:
            f.write(head)
            for i in range(n):
                e = copy.deepcopy(first)
                renumber(e, i)
                f.write(("," if i else "") + json.dumps(e, separators=(",", ":")))
            f.write(tail + "\n")
        return
    doc[key] = ["@ITEMS@"]
    head, tail = json.dumps(doc, indent=indent).split('"@ITEMS@"')
    with open(out, "w") as f:
        f.write(head.rstrip())
        pad = head[head.rfind("\n") + 1 :]  # the indentation of the array's elements
        for i in range(n):
            e = copy.deepcopy(first)
            renumber(e, i)
            text = json.dumps(e, indent=indent).replace("\n", "\n" + pad)
            f.write(("\n" if i == 0 else ",\n") + pad + text)
        f.write((tail.lstrip(" ") if n == 0 else "\n" + pad[:-indent] + tail.lstrip(" \n")) + "\n")


def sacct(e, i):
    e["job_id"] = 100000 + i
    e["name"] = "train-%d" % i
    t = e["time"]
    t["submission"] = t["eligible"] = 1715072400 + i
    t["start"] = 1715072460 + i
    t["end"] = 1715076060 + i


def pods(e, i):
    e["metadata"]["name"] = "train-%d" % i
    e["metadata"]["uid"] = "uid-%d" % i


def main():
    out = pathlib.Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    out.mkdir(parents=True, exist_ok=True)
    compact = len(sys.argv) > 3 and sys.argv[3] == "compact"
    k = ("%dk" % (n // 1000) if n % 1000 == 0 else str(n)) + ("-compact" if compact else "")
    write(out / ("sacct-%s.json" % k), "slurm_sacct.json", "jobs", None if compact else 2, n, sacct)
    write(out / ("pods-%s.json" % k), "k8s_pods.json", "items", None if compact else 4, n, pods)


if __name__ == "__main__":
    main()
