#!/usr/bin/env bash
# Benchmark (issue 16): reading a Berlin-size city's own vector files — 542 planning areas with
# detailed outlines and 380,000 building points — in every format and CRS we read, each beside
# GDAL reading the same file and reprojecting it to WGS84 into memory in the same run
# (`ogr2ogr -f Memory -t_srs EPSG:4326`), with wall time and peak memory of both.
# The files are made by ogr2ogr from one generated GeoJSON (WGS84), so both sides read the same
# bytes. Inventories: see the 1,800 playgrounds in the same table (polygons, EPSG:25833).
# Needs: python3, /usr/bin/time (Debian: time), ogr2ogr (Debian: gdal-bin).
# Usage: bench/vector.sh [BUILDINGS]   (default 380000)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDINGS=${1:-380000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 - "$BUILDINGS" "$TMP" <<'PY'
import json, math, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(16)
W, S, E, N, COLS, ROWS = 13.09, 52.34, 13.76, 52.68, 23, 24
dx, dy = (E - W) / COLS, (N - S) / ROWS
def wavy(x0, y0, x1, y1, k):
    # One side of a cell with k vertices, jittered by a deterministic function of the position
    # so that neighbouring cells share their sides exactly.
    pts = []
    for i in range(k):
        t = i / k
        x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        j = 0.08 * math.sin(37 * x + 53 * y) * (dx if y0 == y1 else dy) * (0 < t)
        pts.append([round(x + (j if x0 == x1 else 0), 7), round(y + (j if y0 == y1 else 0), 7)])
    return pts
areas = []
for r in range(ROWS):
    for c in range(COLS):
        if len(areas) == 542:
            break
        x0, y0 = W + c * dx, S + r * dy
        x1, y1 = x0 + dx, y0 + dy
        ring = (wavy(x0, y0, x1, y0, 60) + wavy(x1, y0, x1, y1, 60) +
                wavy(x1, y1, x0, y1, 60) + wavy(x0, y1, x0, y0, 60))
        ring.append(ring[0])
        i = len(areas) + 1
        areas.append({"type": "Feature", "properties": {"PLR_ID": f"{i:08d}",
                      "PLR_NAME": f"Planungsraum Größe {i}"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
json.dump({"type": "FeatureCollection", "features": areas}, open(f"{out}/areas.geojson", "w"))
plays = []
for i in range(1800):
    x, y = random.uniform(W, E), random.uniform(S, N)
    w, h = random.uniform(0.0002, 0.001), random.uniform(0.0001, 0.0006)
    ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
    plays.append({"type": "Feature", "properties": {"spielplatznr": i + 1,
                  "name": f"Spielplatz {i + 1}", "nettospielflaeche": round(random.uniform(100, 3000))},
                  "geometry": {"type": "Polygon", "coordinates": [ring]}})
json.dump({"type": "FeatureCollection", "features": plays}, open(f"{out}/playgrounds.geojson", "w"))
with open(f"{out}/buildings.geojson", "w") as f:
    f.write('{"type": "FeatureCollection", "features": [\n')
    for i in range(n):
        x, y = random.uniform(W, E), random.uniform(S, N)
        f.write(('' if i == 0 else ',\n') + json.dumps({"type": "Feature",
                "properties": {"residents": random.randint(1, 60)},
                "geometry": {"type": "Point", "coordinates": [round(x, 7), round(y, 7)]}}))
    f.write('\n]}\n')
PY

cargo build --release -q -p spielraum-ingest --example vector_read
BIN=target/release/examples/vector_read

# The files in the formats and CRSs a city hands over, made by GDAL from the generated GeoJSON.
for layer in areas playgrounds buildings; do
    ogr2ogr -f "ESRI Shapefile" -t_srs EPSG:25833 -lco ENCODING=UTF-8 "$TMP/$layer.shp" "$TMP/$layer.geojson"
    ogr2ogr -f GPKG -t_srs EPSG:25833 "$TMP/$layer.gpkg" "$TMP/$layer.geojson"
    ogr2ogr -f FlatGeobuf -t_srs EPSG:3035 "$TMP/$layer.fgb" "$TMP/$layer.geojson"
    ogr2ogr -f GeoJSON -t_srs EPSG:31468 -lco WRITE_NON_FINITE_VALUES=NO "$TMP/$layer.gk4.geojson" "$TMP/$layer.geojson" 2>/dev/null
done

run() { # label, command... -> "wall_s peak_MiB"
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" > "$TMP/out" 2>&1 || { cat "$TMP/out"; exit 1; }
    read -r s kb < "$TMP/time"
    echo "$s $((kb / 1024))"
}

printf '%-28s %8s %12s %10s %12s %8s\n' file "ours s" "ours MiB" "GDAL s" "GDAL MiB" ratio
for layer in areas playgrounds buildings; do
    for f in "$layer.geojson" "$layer.gk4.geojson" "$layer.shp" "$layer.gpkg" "$layer.fgb"; do
        [ -f "$TMP/$f" ] || continue
        read -r os om < <(run "$BIN" "$TMP/$f")
        what=$(cut -c1-70 < "$TMP/out")
        read -r gs gm < <(run ogr2ogr -f Memory -t_srs EPSG:4326 /vsimem/x "$TMP/$f")
        ratio=$(python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{b / a:.2f}' if a > 0 else '-')" "$os" "$gs")
        printf '%-28s %8s %12s %10s %12s %8s  (%s)\n' "$f" "$os" "$om" "$gs" "$gm" "$ratio" "$what"
    done
done
echo "ratio = GDAL time / ours (above 1: we are faster). $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)."
