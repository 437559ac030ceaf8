#!/usr/bin/env python3
"""Nearest playground for 20 000 random origins: Spielraum vs pandana 0.8 on THE SAME graph.

Spielraum side: crates/network/examples/bench_export.rs builds the walking graph (from the demo
PBF, or a generated grid city), times build and query (nearest within 5 km, multi-source field)
and exports its graph (nodes, edges with great-circle lengths), the playground access points and
the origins, which pandana then loads: Network(...) = build, set_pois + nearest_pois +
get_node_ids(origins) = query. Both run in this script, one after the other, on this machine.
Peak memory: Spielraum's VmHWM; pandana's max RSS of a child process (includes Python/pandas).

Install: pip install pandana==0.8 pandas numpy   (and cargo)
Run:     python3 bench/network_vs_pandana.py [GRID_SIDE=300] [SPIELRAUM_ONLY_SIDE=1000]
(pandana's contraction-hierarchy build on a grid grows fast: 300x300 took 200 s here; the
second, larger grid is timed for Spielraum alone.)
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_M = 5000.0


def pandana_run(folder):
    """Runs in a child process; prints timings as JSON."""
    import pandas as pd
    import pandana
    nodes = pd.read_csv(os.path.join(folder, "nodes.csv"))
    edges = pd.read_csv(os.path.join(folder, "edges.csv"))
    pois = pd.read_csv(os.path.join(folder, "pois.csv"))
    origins = pd.read_csv(os.path.join(folder, "origins.csv"))
    t0 = time.perf_counter()
    net = pandana.Network(nodes.x, nodes.y, edges["from"], edges["to"], edges[["weight"]], twoway=True)
    t1 = time.perf_counter()
    net.set_pois("playground", MAX_M, 1, pois.x, pois.y)
    near = net.nearest_pois(MAX_M, "playground", num_pois=1)
    ids = net.get_node_ids(origins.x, origins.y)
    dist = near.loc[ids.values, 1].values
    t2 = time.perf_counter()
    reached = int((dist < MAX_M).sum())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"build_s": t1 - t0, "query_s": t2 - t1, "reached": reached, "peak_rss_mib": rss}))


def case(name, mode, arg):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["cargo", "run", "--quiet", "--release", "-p", "spielraum-network", "--example", "bench_export",
             "--", mode, arg, tmp, "20000"], check=True, cwd=ROOT, capture_output=True, text=True).stdout
        ours = json.loads(out.strip().splitlines()[-1])
        res = subprocess.run([sys.executable, __file__, "--pandana", tmp], check=True, capture_output=True, text=True)
        theirs = json.loads(res.stdout.strip().splitlines()[-1])
    o_total = ours["build_s"] + ours["query_s"]
    p_total = theirs["build_s"] + theirs["query_s"]
    print(f"## {name}: {ours['nodes']} nodes, {ours['edges']} edges, {ours['targets']} playgrounds, "
          f"{ours['origins']} origins (reached within {MAX_M:.0f} m: spielraum {ours['reached']}, "
          f"pandana {theirs['reached']})")
    print(f"| | build s | query s | build+query s | peak RSS MiB |")
    print(f"| --- | --- | --- | --- | --- |")
    print(f"| spielraum | {ours['build_s']:.3f} | {ours['query_s']:.3f} (warm {ours['query_warm_s']:.3f}) "
          f"| {o_total:.3f} | {ours['peak_rss_mib']:.0f} |")
    print(f"| pandana 0.8 | {theirs['build_s']:.3f} | {theirs['query_s']:.3f} | {p_total:.3f} "
          f"| {theirs['peak_rss_mib']:.0f} |")
    print(f"| ratio pandana/spielraum | {theirs['build_s'] / ours['build_s']:.1f}x "
          f"| {theirs['query_s'] / ours['query_s']:.1f}x | {p_total / o_total:.1f}x | |")
    print()


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--pandana":
        pandana_run(sys.argv[2])
        return
    side = sys.argv[1] if len(sys.argv) > 1 else "300"
    big = sys.argv[2] if len(sys.argv) > 2 else "1000"
    case("demo extract (Liechtenstein 2015)", "pbf", os.path.join(ROOT, "geodata/liechtenstein-2015.osm.pbf"))
    case(f"generated grid city {side}x{side}", "grid", side)
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["cargo", "run", "--quiet", "--release", "-p", "spielraum-network", "--example", "bench_export",
             "--", "grid", big, tmp, "20000"], check=True, cwd=ROOT, capture_output=True, text=True).stdout
        ours = json.loads(out.strip().splitlines()[-1])
    print(f"## generated grid city {big}x{big} (Spielraum only): {ours['nodes']} nodes, {ours['edges']} edges: "
          f"build {ours['build_s']:.2f} s, query {ours['query_s']:.2f} s (warm {ours['query_warm_s']:.2f} s), "
          f"peak RSS {ours['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
