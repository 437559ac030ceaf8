#!/usr/bin/env bash
# Benchmark: a Berlin-size register (542 LOR areas, Berlin matrix columns, `;`, Windows-1252)
# spread over 380 000 buildings: time and peak memory; GDAL's ogr2ogr converting the same two
# files to a GeoPackage in the same run as the peer.
# Needs: python3, /usr/bin/time (Debian: time), ogr2ogr (Debian: gdal-bin; skipped if missing).
# Usage: bench/register.sh [BUILDINGS]   (default 380000)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDINGS=${1:-380000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 - "$BUILDINGS" "$TMP" <<'PY'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(542)
# The same 23 x 24 grid of areas as crates/ingest/examples/register_spread.rs.
W, S, E, N, COLS, ROWS, AREAS = 13.09, 52.34, 13.76, 52.68, 23, 24, 542
groups = [(0,1),(1,2),(2,3),(3,5),(5,6),(6,7),(7,8),(8,10),(10,12),(12,14),(14,15),(15,18),
          (18,21),(21,25),(25,27),(27,30),(30,35),(35,40),(40,45),(45,50),(50,55),(55,60),
          (60,63),(63,65),(65,67),(67,70),(70,75),(75,80),(80,85),(85,90),(90,95),(95,110)]
head = ["ZEIT","RAUMID","BEZ","PGR","BZR","PLR","STADTRAUM","E_E","E_EM","E_EW"] + \
       [f"E_E{a:02d}_{b:02d}" for a, b in groups] + ["E_U1","E_1U6","E_6U15","E_15U18"]
def de(v):  # German thousands separator
    return f"{v:,}".replace(",", ".")
with open(f"{out}/register.csv", "w", encoding="cp1252", newline="") as f:
    f.write(";".join(head) + "\r\n")
    for i in range(AREAS):
        counts = [random.randint(0, 200) for _ in groups]
        total = sum(counts)
        f.write(";".join(["202412", str(1000000 + i), "01", "1", "11", "01", "1", de(total),
                          str(total // 2), str(total - total // 2)] + [de(c) for c in counts] +
                         ["0", "0", "0", "0"]) + "\r\n")
kinds = ["house"] * 5 + ["apartments"] * 4 + ["garage", "yes"]
with open(f"{out}/buildings.csv", "w", encoding="utf-8") as f:
    f.write("lon;lat;footprint;levels;building\n")
    for _ in range(n):
        lon, lat = random.uniform(W, E), random.uniform(S, N)
        levels = str(random.randint(1, 8)) if random.random() < 0.6 else ""
        f.write(f"{lon:.6f};{lat:.6f};{random.uniform(40, 900):.1f};{levels};{random.choice(kinds)}\n")
PY
ls -l "$TMP"/*.csv

cargo build --release -q -p spielraum-ingest --example register_spread
BIN=target/release/examples/register_spread

run() { # label, command...
    local label=$1; shift
    /usr/bin/time -v "$@" > "$TMP/out" 2> "$TMP/time" || { cat "$TMP/time"; exit 1; }
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$TMP/time" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$TMP/time" | awk '{print $NF}')
    printf '%-30s wall %8s  peak RSS %6d MiB  | %s\n' "$label" "$wall" $((rss / 1024)) "$(cat "$TMP/out")"
}

run spielraum_register_spread "$BIN" "$TMP/register.csv" "$TMP/buildings.csv"
if command -v ogr2ogr > /dev/null; then
    run ogr2ogr_buildings_to_gpkg ogr2ogr -f GPKG "$TMP/buildings.gpkg" "$TMP/buildings.csv" \
        -oo SEPARATOR=SEMICOLON -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326 -gt 65536
    run ogr2ogr_register_to_gpkg ogr2ogr -f GPKG "$TMP/register.gpkg" "$TMP/register.csv" \
        -oo SEPARATOR=SEMICOLON
else
    echo "peer skipped: apt-get install -y gdal-bin"
fi
