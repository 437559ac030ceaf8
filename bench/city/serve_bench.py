#!/usr/bin/env python3
"""`spielraum serve` at city size: start-up, scenario edits, one suggestion request, cold tiles.

Usage: python3 bench/city/serve_bench.py CITY.gpkg [--edits 200] [--tiles-per-zoom 60]
           [--zooms 12-16] [--seed 1] [--json FILE]
  SPIELRAUM_BIN: the binary (default target/release/spielraum). Needs only the Python standard
  library (and bench/scenario_http.py beside this folder).

One server on a free 127.0.0.1 port, started here and stopped at the end (every wait bounded):
- start-up: from starting the process until `GET /health` answers 200 (polled every 50 ms);
- scenario edits: bench/scenario_http.py --url against that server (one random edit per
  `POST /api/compare`, p50/p95 over the edits);
- `GET /api/suggest?kind=playground&count=10` once (the GeoPackage's own candidate sites);
- cold tiles: per zoom a seeded sample of the tiles over the city's bounds, each fetched once
  (gzip, as a browser asks), in a fresh GeoPackage so none is cached yet; p50/p95/max per zoom;
- the server's peak RSS (VmHWM) before it is stopped.
"""
import argparse
import json
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=600, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(math.ceil(p * len(v))) - 1))]


def tile_of(lon, lat, z):
    k = 2 ** z
    r = math.radians(lat)
    return (int((lon + 180) / 360 * k),
            int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * k))


def vm(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("city")
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--tiles-per-zoom", type=int, default=60)
    ap.add_argument("--zooms", default="12-16")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900, help="longest wait for /health, s")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    binary = os.environ.get("SPIELRAUM_BIN", os.path.join(ROOT, "target/release/spielraum"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    result = {}
    log = tempfile.NamedTemporaryFile(prefix="spielraum-serve-", suffix=".log", delete=False)
    t0 = time.perf_counter()
    server = subprocess.Popen([binary, "serve", args.city, "--addr", f"127.0.0.1:{port}"],
                              stdout=log, stderr=log)
    try:
        while True:
            if server.poll() is not None:
                sys.exit(f"server exited with {server.returncode}; log: {log.name}")
            if time.perf_counter() - t0 > args.timeout:
                sys.exit(f"no /health answer within {args.timeout:.0f} s; log: {log.name}")
            try:
                if get(f"{base}/health", timeout=2)[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        result["startup_s"] = round(time.perf_counter() - t0, 3)
        result["rss_after_start_mib"] = vm(server.pid, "VmRSS")
        print(f"serve: /health 200 after {result['startup_s']:.2f} s "
              f"(RSS {result['rss_after_start_mib']} MiB)", flush=True)

        # Scenario edits through HTTP, with the generator and timing of bench/scenario_http.py.
        out = subprocess.run([sys.executable, os.path.join(ROOT, "bench/scenario_http.py"),
                              args.city, "--edits", str(args.edits), "--seed", str(args.seed),
                              "--url", base], capture_output=True, text=True, timeout=3600)
        print(out.stdout.strip(), flush=True)
        if out.returncode != 0:
            print(out.stderr.strip(), file=sys.stderr)
            sys.exit("scenario edits failed")
        m = re.search(r"p50 ([\d.]+) ms, p95 ([\d.]+) ms, max ([\d.]+) ms", out.stdout)
        if m:
            result["edits"] = {"n": args.edits, "p50_ms": float(m.group(1)),
                               "p95_ms": float(m.group(2)), "max_ms": float(m.group(3))}

        t = time.perf_counter()
        status, body = get(f"{base}/api/suggest?kind=playground&count=10")
        result["suggest_http_s"] = round(time.perf_counter() - t, 3)
        n_sugg = len(json.loads(body).get("suggestions", []))
        print(f"GET /api/suggest?kind=playground&count=10 (the GeoPackage's candidate sites): "
              f"{result['suggest_http_s']:.2f} s, {n_sugg} suggestions", flush=True)

        # Cold tiles: none of these was asked for before in this GeoPackage.
        _, style = get(f"{base}/style.json")
        w, s, e, n = json.loads(style)["metadata"]["spielraum:bounds"]
        z0, z1 = (int(v) for v in args.zooms.split("-"))
        rng = random.Random(args.seed)
        result["tiles"] = {}
        print(f"cold tiles ({args.tiles_per_zoom} sampled per zoom over the city's bounds, "
              f"gzip): zoom, tiles over the city, sampled (non-empty), p50 / p95 / max ms, "
              f"mean bytes", flush=True)
        for z in range(z0, z1 + 1):
            x0, y0 = tile_of(w, n, z)
            x1, y1 = tile_of(e, s, z)
            all_tiles = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
            sample = rng.sample(all_tiles, min(args.tiles_per_zoom, len(all_tiles)))
            times, sizes = [], []
            for x, y in sample:
                t = time.perf_counter()
                _, data = get(f"{base}/tiles/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "gzip"})
                times.append((time.perf_counter() - t) * 1000)
                sizes.append(len(data))
            row = {"tiles": len(all_tiles), "sampled": len(sample),
                   "non_empty": sum(1 for b in sizes if b), "p50_ms": round(statistics.median(times), 2),
                   "p95_ms": round(pct(times, 0.95), 2), "max_ms": round(max(times), 2),
                   "mean_bytes": round(statistics.mean(sizes))}
            result["tiles"][str(z)] = row
            print(f"  z{z}: {row['tiles']} tiles, {row['sampled']} sampled ({row['non_empty']}), "
                  f"{row['p50_ms']:.1f} / {row['p95_ms']:.1f} / {row['max_ms']:.1f} ms, "
                  f"{row['mean_bytes']} B", flush=True)
        result["server_peak_rss_mib"] = vm(server.pid, "VmHWM")
        print(f"server peak RSS {result['server_peak_rss_mib']} MiB", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    os.unlink(log.name)


if __name__ == "__main__":
    main()
