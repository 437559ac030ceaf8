#!/usr/bin/env python3
"""Load and soak test of `spielraum serve` on the demo city (issue 14), with Debian's `wrk`.

Three phases against a real server on 127.0.0.1, each with `/health` probed every 20 ms from a
separate thread and the server's RSS sampled from /proc every second:
  1. mixed workload (tiles, neighbourhoods, facilities, reach, compare) at 32 connections for
     the soak duration (default 10 min, --quick 30 s): throughput, p99, errors, RSS over time;
  2. expensive-route flood: /api/reach?minutes=60 at 256 connections (60 s, --quick 15 s):
     answers vs 503 refusals, /health latency during the flood;
  3. slowloris: 300 connections send a partial header and then nothing; how many the server
     has closed after its header timeout (10 s) plus 2 s, and whether new clients are served.

Usage: python3 bench/load.py [CITY.gpkg] [--quick] [--duration S] [--flood S]
  SPIELRAUM_BIN (default target/release/spielraum); CITY.gpkg default: a fresh import of the
  demo extract. Needs `wrk` (apt-get install wrk) and the Python standard library.
"""
import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER_TIMEOUT_S = 10  # server::limits::HEADER_READ_TIMEOUT


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    """Samples RSS every second and /health every 20 ms, labelled with the current phase."""

    def __init__(self, host, port, pid):
        super().__init__(daemon=True)
        self.host, self.port, self.pid = host, port, pid
        self.phase = "idle"
        self.health = []  # (phase, ms or None)
        self.rss = []  # (t, phase, MB)
        self.stop = False

    def run(self):
        t0 = time.time()
        last_rss = 0.0
        conn = None
        while not self.stop:
            if time.time() - last_rss >= 1.0:
                last_rss = time.time()
                self.rss.append((last_rss - t0, self.phase, rss_mb(self.pid)))
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                conn.request("GET", "/health")
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn = None
            self.health.append((self.phase, (time.perf_counter() - t) * 1000 if ok else None))
            time.sleep(0.02)


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    return v[max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))]


def lua_script(requests, path):
    """A wrk script cycling through `requests` ((method, path, body) tuples)."""
    entries = []
    for method, p, body in requests:
        b = "nil" if body is None else json.dumps(body)
        entries.append(f'{{"{method}", {json.dumps(p)}, {b}}}')
    with open(path, "w") as f:
        f.write("local reqs = {\n" + ",\n".join(entries) + "\n}\n")
        f.write("""local i = math.random(#reqs)
request = function()
  i = i % #reqs + 1
  local r = reqs[i]
  if r[3] then
    return wrk.format(r[1], r[2], {["Content-Type"] = "application/json"}, r[3])
  end
  return wrk.format(r[1], r[2])
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() statuses = {} end
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
function done()
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %d: %d\\n", k, v)) end
end
""")


def wrk(base, script, connections, seconds):
    run = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s",
                          "-s", script, base], capture_output=True, text=True)
    out = run.stdout
    if run.returncode != 0 or "error" in run.stderr.lower():
        sys.exit(f"wrk failed: {run.stderr}")
    def grab(pattern, default="0"):
        m = re.search(pattern, out)
        return m.group(1) if m else default
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
    m = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    p99 = float(m.group(1)) * unit[m.group(2)] if m else float("nan")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(grab(r"(\d+) requests in")),
        "rps": float(grab(r"Requests/sec:\s+([\d.]+)")),
        "p99_ms": p99,
        "non_2xx": int(grab(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "statuses": {int(k): int(v) for k, v in re.findall(r"status (\d+): (\d+)", out)},
        "raw": out,
    }


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/{z}/{x}/{y}.mvt"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("city", nargs="?")
    ap.add_argument("--quick", action="store_true", help="30 s soak, 15 s flood")
    ap.add_argument("--duration", type=int, help="soak seconds (default 600)")
    ap.add_argument("--flood", type=int, help="flood seconds (default 60)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    soak_s = args.duration or (30 if args.quick else 600)
    flood_s = args.flood or (15 if args.quick else 60)
    if shutil.which("wrk") is None:
        sys.exit("needs wrk (apt-get install wrk)")
    binary = os.environ.get("SPIELRAUM_BIN", os.path.join(ROOT, "target/release/spielraum"))
    tmp = tempfile.mkdtemp(prefix="spielraum-load-")
    city = os.path.join(tmp, "city.gpkg")
    if args.city:
        shutil.copy(args.city, city)
    else:
        subprocess.run([binary, "import", os.path.join(ROOT, "geodata/liechtenstein-2015.osm.pbf"), "--out", city,
                        "--population-totals", os.path.join(ROOT, "geodata/liechtenstein-population-2020.csv")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = sqlite3.connect(city)
    homes = db.execute("SELECT minx, miny FROM rtree_population_geom").fetchall()
    db.close()
    rng = random.Random(args.seed)
    server = subprocess.Popen([binary, "serve", city, "--addr", "127.0.0.1:0"], stderr=subprocess.PIPE, text=True)
    try:
        base = None
        for line in server.stderr:
            m = re.search(r"on (http://[^/\s]+)/", line)
            if m:
                base = m.group(1)
                break
        if base is None:
            sys.exit("server did not start")
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
        host, port = base[len("http://"):].split(":")
        port = int(port)
        with urllib.request.urlopen(f"{base}/style.json") as r:
            bounds = json.load(r)["metadata"]["spielraum:bounds"]
        w, s, e, n = bounds

        def near_home():
            lon, lat = rng.choice(homes)
            return round(lon + rng.uniform(-0.002, 0.002), 6), round(lat + rng.uniform(-0.0013, 0.0013), 6)

        mixed = []
        for _ in range(2000):
            r = rng.random()
            lon, lat = near_home()
            if r < 0.55:
                mixed.append(("GET", tile(rng.uniform(w, e), rng.uniform(s, n), rng.choice([11, 12, 13, 14, 15])), None))
            elif r < 0.65:
                mixed.append(("GET", "/api/neighbourhoods", None))
            elif r < 0.8:
                mixed.append(("GET", f"/api/facilities?bbox={lon - 0.01},{lat - 0.007},{lon + 0.01},{lat + 0.007}", None))
            elif r < 0.92:
                mixed.append(("GET", f"/api/reach?lon={lon}&lat={lat}&minutes=15", None))
            else:
                edit = {"op": "add", "kind": "playground", "area_m2": 500,
                        "geometry": {"type": "Point", "coordinates": [lon, lat]}}
                mixed.append(("POST", "/api/compare", json.dumps({"edits": [edit]})))
        flood = []
        for _ in range(200):
            lon, lat = near_home()
            flood.append(("GET", f"/api/reach?lon={lon}&lat={lat}&minutes=60", None))
        lua_script(mixed, os.path.join(tmp, "mixed.lua"))
        lua_script(flood, os.path.join(tmp, "flood.lua"))

        sampler = Sampler(host, port, server.pid)
        sampler.start()
        time.sleep(2)
        print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB "
              f"(shared); city: {os.path.basename(args.city or 'demo import')}; RSS at start {rss_mb(server.pid):.0f} MB")

        sampler.phase = "mixed"
        m = wrk(base, os.path.join(tmp, "mixed.lua"), 32, soak_s)
        print(f"mixed {soak_s} s at 32 connections: {m['requests']} requests, {m['rps']:.0f} req/s, p99 {m['p99_ms']:.1f} ms, "
              f"non-2xx {m['non_2xx']}, socket errors {m['socket_errors']}, by status {m['statuses']}")

        sampler.phase = "flood"
        f = wrk(base, os.path.join(tmp, "flood.lua"), 256, flood_s)
        print(f"reach flood {flood_s} s at 256 connections (minutes=60): {f['requests']} answers, {f['rps']:.0f} req/s, "
              f"p99 {f['p99_ms']:.1f} ms, non-2xx {f['non_2xx']}, socket errors {f['socket_errors']}, by status {f['statuses']}")
        sampler.phase = "after-flood"
        time.sleep(2)

        sampler.phase = "slowloris"
        slow = []
        for _ in range(300):
            c = socket.create_connection((host, port))
            c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            c.setblocking(False)
            slow.append(c)
        t0 = time.time()
        time.sleep(HEADER_TIMEOUT_S + 2)
        closed = 0
        for c in slow:
            try:
                closed += c.recv(4096) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
            c.close()
        print(f"slowloris: {closed} of 300 connections closed by the server {time.time() - t0:.0f} s after their "
              f"partial header (header timeout {HEADER_TIMEOUT_S} s)")
        sampler.phase = "end"
        time.sleep(1.5)
        sampler.stop = True
        sampler.join()

        for phase in ["mixed", "flood", "slowloris"]:
            lat = [ms for p, ms in sampler.health if p == phase and ms is not None]
            failed = sum(1 for p, ms in sampler.health if p == phase and ms is None)
            print(f"/health during {phase}: {len(lat)} probes, p50 {statistics.median(lat) if lat else float('nan'):.1f} ms, "
                  f"p99 {percentile(lat, 99):.1f} ms, max {max(lat) if lat else float('nan'):.1f} ms, failed {failed}")
        rss = sampler.rss
        step = max(1, len(rss) // 12)
        print("RSS over time (s, phase, MB): " + ", ".join(f"{t:.0f} {p} {mb:.0f}" for t, p, mb in rss[::step]))
        by_phase = {}
        for _, p, mb in rss:
            by_phase.setdefault(p, []).append(mb)
        print("RSS by phase (first → last, max MB): " + "; ".join(
            f"{p} {v[0]:.0f} → {v[-1]:.0f}, max {max(v):.0f}" for p, v in by_phase.items()))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
