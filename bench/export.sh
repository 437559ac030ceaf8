#!/usr/bin/env bash
# Benchmark: `spielraum export` (release) on the demo extract: wall time and peak memory of the
# whole export (indicators computed) and of the export given the indicators (tiles + bundle
# only), then the bundle's size, its tile count per zoom and the archive's compressed and
# uncompressed tile bytes (read back with the PMTiles reference reader).
#
# Needs: apt-get install -y time; pip install pmtiles
#        cargo build --release -p spielraum; (cd web && npm ci && npm run build)
# Usage: bench/export.sh [CITY.gpkg]   (default: imports geodata/liechtenstein-2015.osm.pbf)
# RUNS=3 repeats each timing.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${SPIELRAUM_BIN:-$ROOT/target/release/spielraum}"
RUNS="${RUNS:-1}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
[ -x "$BIN" ] || { echo "build first: cargo build --release -p spielraum" >&2; exit 1; }

CITY="${1:-}"
if [ -z "$CITY" ]; then
    CITY="$WORK/demo.gpkg"
    "$BIN" import "$ROOT/geodata/liechtenstein-2015.osm.pbf" --out "$CITY" \
        --population-totals "$ROOT/geodata/liechtenstein-population-2020.csv" >/dev/null 2>&1
fi
"$BIN" analyze "$CITY" --format json --no-write-back --out "$WORK/indicators.json"

timed() { # label, then the command
    local label="$1"; shift
    for _ in $(seq 1 "$RUNS"); do
        rm -rf "$WORK/site"
        /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null
        read -r secs kb < "$WORK/time"
        printf '%-44s %6.2f s  peak RSS %4d MB\n' "$label" "$secs" $((kb / 1024))
    done
}
echo "== spielraum export $(basename "$CITY") ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)) =="
timed "export (indicators computed)" "$BIN" export "$CITY" --out "$WORK/site"
timed "export --indicators (tiles + bundle only)" "$BIN" export "$CITY" --out "$WORK/site" --indicators "$WORK/indicators.json"

echo "== bundle =="
du -sb "$WORK/site" | awk '{ printf "bundle total            %8.2f MB\n", $1 / 1e6 }'
for f in tiles.pmtiles style.json indicators.json facilities.geojson index.html; do
    stat -c '%s %n' "$WORK/site/$f" | awk '{ n = split($2, p, "/"); printf "%-22s %9.2f MB\n", p[n], $1 / 1e6 }'
done
du -sb "$WORK/site/assets" | awk '{ printf "assets/                %9.2f MB\n", $1 / 1e6 }'
python3 - "$WORK/site/tiles.pmtiles" <<'PY'
import gzip, sys
from pmtiles.reader import MmapSource, Reader, all_tiles
with open(sys.argv[1], "rb") as f:
    src = MmapSource(f)
    h = Reader(src).header()
    per, gz, raw = {}, 0, 0
    for (z, _, _), data in all_tiles(src):
        per[z] = per.get(z, 0) + 1
        gz += len(data)
        raw += len(gzip.decompress(data))
print(f"tiles {sum(per.values())} (zooms {h['min_zoom']}-{h['max_zoom']}; distinct contents {h['tile_contents_count']})")
print("per zoom:", " ".join(f"{z}:{n}" for z, n in sorted(per.items())))
print(f"tile bytes gzip {gz / 1e6:.2f} MB, uncompressed {raw / 1e6:.2f} MB ({raw / max(gz, 1):.1f}x)")
PY
