#!/usr/bin/env bash
# Benchmark: a region-wide run as jobs (docs/region.md) against one run over the whole region,
# on this machine: wall time and peak RSS (GNU time -v) of the plan, of every job, of the merge
# (without and with the static site), and of the single run (`import` + `analyze`) on the same
# extract and municipalities.
#
# Needs: apt-get install -y time gdal-bin; cargo build --release -p spielraum
#        (and the web page for the site: cd web && npm ci && npm run build, or SPIELRAUM_WEB_DIR)
# Usage: bench/region.sh [REGION.osm.pbf MUNICIPALITIES TOTALS.csv]
#        (default: the Liechtenstein demo, its 11 municipalities from an import's neighbourhoods)
#        POPULATION=points.csv bench/region.sh REGION.osm.pbf AREAS.geojson -: residents from
#        points instead of totals (e.g. a synthetic city of bench/city/generate.py, its areas as
#        the "municipalities"). SITE=0 merges without timing the site separately (see below).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${SPIELRAUM_BIN:-$ROOT/target/release/spielraum}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
[ -x "$BIN" ] || { echo "build first: cargo build --release -p spielraum" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }

PBF="${1:-$ROOT/geodata/liechtenstein-2015.osm.pbf}"
TOTALS="${3:-$ROOT/geodata/liechtenstein-population-2020.csv}"
if [ -n "${POPULATION:-}" ]; then
    PEOPLE=(--population "$POPULATION")
else
    PEOPLE=(--population-totals "$TOTALS")
fi
BOUNDARIES="${2:-}"
if [ -z "$BOUNDARIES" ]; then
    "$BIN" import "$PBF" --out "$WORK/first.gpkg" "${PEOPLE[@]}" >/dev/null 2>&1
    BOUNDARIES="$WORK/municipalities.geojson"
    ogr2ogr -f GeoJSON "$BOUNDARIES" "$WORK/first.gpkg" neighbourhoods -select id,name
fi

# label, then the command: prints "label | wall s | peak MB"
timed() {
    local label="$1"; shift
    /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/err.txt" || {
        cat "$WORK/err.txt" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt" |
        awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    printf '| %s | %.2f | %.0f |\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| step | wall s | peak RSS MB |"
echo "|---|---|---|"
timed "single run: import (whole region)" "$BIN" import "$PBF" --out "$WORK/whole.gpkg" \
    --boundaries "$BOUNDARIES" "${PEOPLE[@]}"
timed "single run: analyze (whole region, JSON + write-back)" "$BIN" analyze "$WORK/whole.gpkg" \
    --format json --out "$WORK/whole.json"
timed "region plan (import + cut)" "$BIN" region plan "$PBF" --boundaries "$BOUNDARIES" \
    "${PEOPLE[@]}" --out "$WORK/plan"
N=$(find "$WORK/plan/jobs" -mindepth 1 -maxdepth 1 -type d | wc -l)
for i in $(seq 0 $((N - 1))); do
    name=$(python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][$i]; print(j['name'], '-', j['units'], 'homes')" "$WORK/plan/plan.json")
    timed "job $i ($name)" "$BIN" region run "$WORK/plan" --job "$i"
done | tee "$WORK/jobs.txt"
awk -F'|' '{ s += $3; if ($4 > m) m = $4 } END { printf "| all %d jobs, added up (largest peak) | %.2f | %.0f |\n", NR, s, m }' "$WORK/jobs.txt"
timed "region merge (GeoPackage + JSON + static site)" "$BIN" region merge "$WORK/plan" --out "$WORK/site"
echo
python3 - "$WORK/plan/plan.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
import os
cut = sum(len(json.load(open(os.path.join(os.path.dirname(sys.argv[1]), j['dir'], 'job.json')))['facilities']) for j in plan['jobs'])
print(f"{len(plan['jobs'])} jobs, {plan['units']} homes, {plan['facilities']} facilities, buffer {plan['buffer_m']:.0f} m; "
      f"the cuts hold {cut} facilities: each searched {cut / max(plan['facilities'], 1):.1f} times on average")
PY
cmp -s <(python3 -m json.tool --sort-keys "$WORK/whole.json" | grep -v -E '"(imported_at|source_file)"') \
       <(python3 -m json.tool --sort-keys "$WORK/plan/analysis.json" | grep -v -E '"(imported_at|source_file)"') \
    && echo "merged indicators equal the single run's" || echo "merged indicators DIFFER from the single run's"
