#!/usr/bin/env python3
"""Warm-server latency of one scenario edit: POST /api/compare with one random edit, through HTTP.

Target (issue 8): one edit -> updated indicators for the whole demo extract in under 20 ms, p95 over
100 random edits, in a warm server. The engine's own time is benched in crates/analysis/benches;
this measures what a browser sees (HTTP, JSON parse and render of the comparison included).

Usage: python3 bench/scenario_http.py [CITY.gpkg] [--edits 100] [--seed 1] [--url http://HOST:PORT]
  SPIELRAUM_BIN (default target/release/spielraum); CITY.gpkg default: a fresh import of the demo
  extract in a temporary folder. --url: use a server already serving CITY.gpkg (it is only read
  here) instead of starting one. Needs only the Python standard library.
"""
import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.status, r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("city", nargs="?")
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--url", help="a server already serving CITY.gpkg (none is started)")
    args = ap.parse_args()
    if args.url and not args.city:
        sys.exit("--url needs the CITY.gpkg that server serves")
    binary = os.environ.get("SPIELRAUM_BIN", os.path.join(ROOT, "target/release/spielraum"))
    tmp = tempfile.mkdtemp(prefix="spielraum-bench-")
    city = os.path.join(tmp, "city.gpkg")
    if args.url:
        city = args.city
    elif args.city:
        shutil.copy(args.city, city)
    else:
        subprocess.run([binary, "import", os.path.join(ROOT, "geodata/liechtenstein-2015.osm.pbf"), "--out", city,
                        "--population-totals", os.path.join(ROOT, "geodata/liechtenstein-population-2020.csv")],
                       check=True, stdout=subprocess.DEVNULL)
    db = sqlite3.connect(city)
    facilities = [r[0] for r in db.execute("SELECT osm_id FROM facilities WHERE access IS NULL OR access NOT IN ('no', 'private')")]
    # Where people live: new facilities go near a random population unit (its R-tree box), within
    # about 150 m, so that every edit changes something (a random point in the box would mostly
    # fall on empty mountainside and flatter the timing).
    homes = db.execute("SELECT minx, miny FROM rtree_population_geom").fetchall()
    db.close()
    if not homes:
        sys.exit("no population units in the GeoPackage")
    rng = random.Random(args.seed)
    edits = []
    for _ in range(args.edits):
        r = rng.random()
        if r < 0.6:
            lon, lat = rng.choice(homes)
            lon, lat = lon + rng.uniform(-0.002, 0.002), lat + rng.uniform(-0.0013, 0.0013)
            edits.append({"op": "add", "kind": rng.choice(["playground", "open_space"]), "area_m2": rng.choice([200, 500, 1500]),
                          "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}})
        elif r < 0.8:
            edits.append({"op": "remove", "osm_id": rng.choice(facilities)})
        elif r < 0.9:
            edits.append({"op": "set_access", "osm_id": rng.choice(facilities), "access": "public"})
        else:
            edits.append({"op": "enlarge", "osm_id": rng.choice(facilities), "area_m2": rng.choice([800, 3000])})

    server = None
    if not args.url:
        server = subprocess.Popen([binary, "serve", city, "--addr", "127.0.0.1:0"], stderr=subprocess.PIPE, text=True)
    try:
        base = args.url.rstrip("/") if args.url else None
        t0 = time.time()
        for line in server.stderr if server else []:
            m = re.search(r"on (http://[^/\s]+)/", line)
            if m:
                base = m.group(1)
                break
        if base is None:
            sys.exit("server did not start")
        start_s = time.time() - t0
        url = f"{base}/api/compare"
        for e in edits[:5]:  # warm up connections and caches
            post(url, {"edits": [e]})
        times = []
        recomputed = []
        for e in edits:
            t = time.perf_counter()
            status, body = post(url, {"edits": [e]})
            times.append((time.perf_counter() - t) * 1000)
            assert status == 200, body[:200]
            recomputed.append(json.loads(body)["recomputed_units"])
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        started = f"server start {start_s:.1f} s" if server else f"server at {base}"
        print(f"machine: {os.cpu_count()} cores; city: {os.path.basename(args.city or 'demo import')}; {started}")
        print(f"POST /api/compare, one random edit, {len(times)} edits (seed {args.seed}): "
              f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms; "
              f"recomputed units median {statistics.median(recomputed):.0f}")
        print(f"target p95 < 20 ms: {'met' if p95 < 20 else 'NOT met'}")
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
