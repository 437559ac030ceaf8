#!/usr/bin/env bash
# Tile serving benchmark: cached tiles from `spielraum serve` vs the same tiles pre-rendered as
# static files served by nginx (the upper bound), same machine, same run, same wrk settings;
# plus cold tile generation per zoom (examples/tile_times.rs) on the demo extract.
#
# Needs: apt-get install -y wrk nginx   (and curl, python3)
# Usage: bench/tiles.sh [CITY.gpkg]   (default: imports geodata/liechtenstein-2015.osm.pbf)
# Env:   DURATION=10s CONNECTIONS=32 THREADS=2 ZOOM=14
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ZOOM=${ZOOM:-14}
PORT_US=18180
PORT_NGINX=18181
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release -q -p spielraum -p spielraum-tiles --example tile_times
bin=target/release/spielraum
city=${1:-}
if [ -z "$city" ]; then
  city="$work/demo.gpkg"
  "$bin" import geodata/liechtenstein-2015.osm.pbf --out "$city" 2>/dev/null
fi

echo "== cold tile generation (every tile over the city's bounds, non-empty tiles) =="
target/release/examples/tile_times "$city" 10 16

echo "== cached tiles: spielraum serve vs nginx static =="
"$bin" serve "$city" --addr 127.0.0.1:$PORT_US 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT_US/health" >/dev/null && break; sleep 0.2; done

# The z$ZOOM tiles over the neighbourhoods (non-empty ones), fetched once: warms our cache and
# writes the static copies nginx serves (identical bytes, uncompressed on both sides).
python3 - "$PORT_US" "$ZOOM" "$work" <<'PY'
import json, math, os, sys, urllib.request
port, z, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
style = json.load(urllib.request.urlopen(f"{base}/style.json"))
w, s, e, n = style["metadata"]["spielraum:bounds"]
def tile(lon, lat):
    k = 2 ** z
    r = math.radians(lat)
    return int((lon + 180) / 360 * k), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * k)
x0, y0 = tile(w, n); x1, y1 = tile(e, s)
paths = []
for x in range(x0, x1 + 1):
    for y in range(y0, y1 + 1):
        p = f"/tiles/{z}/{x}/{y}.mvt"
        data = urllib.request.urlopen(base + p).read()
        if data:
            os.makedirs(f"{work}/static/tiles/{z}/{x}", exist_ok=True)
            open(f"{work}/static{p}", "wb").write(data)
            paths.append(p)
with open(f"{work}/paths.lua", "w") as f:
    f.write("paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n")
    f.write("i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
print(f"{len(paths)} non-empty z{z} tiles, {sum(os.path.getsize(f'{work}/static{p}') for p in paths)} bytes")
PY

cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  open_file_cache max=10000 inactive=60s;
  types { application/vnd.mapbox-vector-tile mvt; }
  server {
    listen 127.0.0.1:$PORT_NGINX;
    root $work/static;
    add_header Cache-Control "public, max-age=3600";
    etag on;
  }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.5

run() { # name port
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/paths.lua" "http://127.0.0.1:$2" >"$work/$1.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.txt")
  echo "$1: $rps req/s, p99 $p99"
  eval "${1}_rps=$rps"
}
run nginx $PORT_NGINX
run spielraum $PORT_US
python3 -c "print(f'ratio nginx/spielraum throughput: {float(\"$nginx_rps\")/float(\"$spielraum_rps\"):.2f}x (target <= 1.5x)')"
echo "(machine: $(nproc) cores; wrk -t$THREADS -c$CONNECTIONS -d$DURATION over the same tile list; uncompressed)"
