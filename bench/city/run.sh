#!/usr/bin/env bash
# City-scale benchmark (issue 15): a generated Berlin-like city through every step of Spielraum,
# each timed (wall, peak RSS) beside its peer in the same run:
#   osmium cat (reading the PBF) | spielraum import --boundaries --population
#   peer.py (scipy, served shares)  | spielraum analyze --format json
#   serve start-up until /health answers, 200 scenario edits over HTTP, /api/suggest, cold tiles
#   z12-z16 (serve_bench.py), suggest k = 10 over the 5,000 candidate sites, export of the city.
# and the agreement of the served shares (every planning area and band) between the peer and us.
#
# Needs: apt-get install -y osmium-tool time; python3 >= 3.11 with venv;
#        the Python packages go into WORK/venv: pip install numpy scipy osmium shapely
#        a release build: cargo build --release -p spielraum
# Usage: bench/city/run.sh [small|heidelberg|berlin]     (default small)
# Env:   SPIELRAUM_BIN (default target/release/spielraum; copied into WORK at the start so one run
#        uses one binary), BENCH_WORK=/dir keeps the venv, the generated cities and the outputs
#        between runs (default: a temporary folder, removed at the end), SEED (15), EDITS (200),
#        TILES_PER_ZOOM (60).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/bench/city"
SIZE="${1:-small}"
SEED="${SEED:-15}"
EDITS="${EDITS:-200}"
TILES_PER_ZOOM="${TILES_PER_ZOOM:-60}"
WORK="${BENCH_WORK:-$(mktemp -d)}"
trap '[ -z "${BENCH_WORK:-}" ] && rm -rf "$WORK"' EXIT
case "$SIZE" in small|heidelberg|berlin) ;; *) echo "size: small, heidelberg or berlin" >&2; exit 1;; esac
mkdir -p "$WORK"

SRC_BIN="${SPIELRAUM_BIN:-$ROOT/target/release/spielraum}"
[ -x "$SRC_BIN" ] || { echo "build first: cargo build --release -p spielraum" >&2; exit 1; }
BIN="$WORK/spielraum"
cp "$SRC_BIN" "$BIN"

PY="$WORK/venv/bin/python"
if [ ! -x "$PY" ] || ! "$PY" -c "import numpy, scipy, osmium, shapely" 2>/dev/null; then
    echo "== Python packages into $WORK/venv ==" >&2
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q numpy scipy osmium shapely
fi

CITY="$WORK/$SIZE-$SEED"
OUT="$CITY/run"
mkdir -p "$OUT"
GEN_VERSION=$(awk -F' = ' '/^VERSION = / { print $2 }' "$HERE/generate.py")
if [ ! -f "$CITY/manifest.json" ] || ! "$PY" -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["version"] != int(sys.argv[2]))' "$CITY/manifest.json" "$GEN_VERSION"; then
    echo "== generating the $SIZE city (seed $SEED) ==" >&2
    /usr/bin/time -f "%e %M" -o "$OUT/gen.time" "$PY" "$HERE/generate.py" --size "$SIZE" \
        --seed "$SEED" --out "$CITY"
    read -r s kb < "$OUT/gen.time"
    echo "generated in $s s, peak RSS $((kb / 1024)) MiB" >&2
fi

# measure NAME CMD...: runs CMD with stdout+stderr in $OUT/NAME.log; sets T_NAME (s), M_NAME (MiB).
measure() {
    local name="$1"; shift
    echo "-- $name: $*" >&2
    if ! /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$@" > "$OUT/$name.log" 2>&1; then
        tail -20 "$OUT/$name.log" >&2
        echo "$name failed" >&2
        exit 1
    fi
    local s kb
    read -r s kb < "$OUT/$name.time"
    printf -v "T_$name" '%s' "$s"
    printf -v "M_$name" '%s' "$((kb / 1024))"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

PBF="$CITY/city.osm.pbf"
GPKG="$OUT/city.gpkg"
rm -rf "$GPKG" "$OUT/site"
measure osmium osmium cat "$PBF" -f opl -o /dev/null --overwrite
measure import "$BIN" import "$PBF" --out "$GPKG" --boundaries "$CITY/areas.geojson" \
    --population "$CITY/population.csv"
measure analyze "$BIN" analyze "$GPKG" --format json --out "$OUT/analyze.json"
measure peer "$PY" "$HERE/peer.py" "$PBF" "$CITY/population.csv" "$CITY/areas.geojson" \
    --out "$OUT/peer.json"
AGREE=0
"$PY" -c 'import json, sys; sys.path.insert(0, sys.argv[1]); import peer
sys.exit(peer.compare(json.load(open(sys.argv[2])), sys.argv[3]))' \
    "$HERE" "$OUT/peer.json" "$OUT/analyze.json" > "$OUT/agreement.log" || AGREE=$?
SPIELRAUM_BIN="$BIN" "$PY" "$HERE/serve_bench.py" "$GPKG" --edits "$EDITS" \
    --tiles-per-zoom "$TILES_PER_ZOOM" --json "$OUT/serve.json" > "$OUT/serve.log" 2>&1 \
    || { tail -20 "$OUT/serve.log" >&2; echo "serve failed" >&2; exit 1; }
measure suggest "$BIN" suggest "$GPKG" --kind playground --count 10 \
    --candidates "$CITY/sites.geojson" --format json --out "$OUT/suggest.json"
measure export "$BIN" export "$GPKG" --out "$OUT/site"

# --- the table ------------------------------------------------------------------------------
PBF_MB=$(awk -v b="$(stat -c %s "$PBF")" 'BEGIN { printf "%.1f", b / 1e6 }')
SITE_MB=$(du -sb "$OUT/site" | awk '{ printf "%.1f", $1 / 1e6 }')
PMTILES_MB=$(awk -v b="$(stat -c %s "$OUT/site/tiles.pmtiles")" 'BEGIN { printf "%.1f", b / 1e6 }')
"$PY" - "$CITY/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
c = m["counts"]
f = c["facilities"]
print(f"== {m['size']} city (seed {m['seed']}, {m['size_km'][0]} x {m['size_km'][1]} km): "
      f"{c['osm']['nodes']:,} OSM nodes, {c['osm']['ways']:,} ways; {c['walkable_nodes']:,} walkable "
      f"nodes; {c['residential_buildings']:,} residential buildings = population points, "
      f"{c['residents']:,} residents; {f['playground']:,} public playgrounds, "
      f"{c['other_facilities']:,} other facilities; {c['planning_areas']} planning areas; "
      f"{c['candidate_sites']:,} candidate sites ==")
PY
echo "binary: $("$BIN" --version) (sha256 $(sha256sum "$BIN" | cut -c1-12), from $SRC_BIN)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average before/after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-52s %9s %10s  %s\n" step "wall s" "peak MiB" note
row() { printf "%-52s %9s %10s  %s\n" "$1" "$2" "$3" "${4:-}"; }
row "osmium cat -f opl (reads the PBF; peer of import)" "$T_osmium" "$M_osmium" "PBF $PBF_MB MB"
row "spielraum import (--boundaries, --population)" "$T_import" "$M_import" \
    "import/osmium $(ratio "$T_import" "$T_osmium"); peak RSS/PBF $(ratio "$M_import" "$(awk -v b="$(stat -c %s "$PBF")" 'BEGIN { print b / 1048576 }')")"
row "spielraum analyze --format json --out" "$T_analyze" "$M_analyze"
row "peer.py (pyosmium + scipy, served shares)" "$T_peer" "$M_peer" \
    "peer/analyze $(ratio "$T_peer" "$T_analyze")"
"$PY" - "$OUT/serve.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
row = lambda a, b, c="", d="": print(f"{a:<52} {b:>9} {c:>10}  {d}")
row("serve: start until /health answers 200", f"{r['startup_s']:.2f}", r["server_peak_rss_mib"],
    "peak RSS over the whole serve run")
e = r.get("edits")
if e:
    row(f"scenario edits over HTTP ({e['n']} x POST /api/compare)", "", "",
        f"p50 {e['p50_ms']:.1f} ms, p95 {e['p95_ms']:.1f} ms, max {e['max_ms']:.1f} ms")
row("GET /api/suggest k = 10 (OSM candidate sites)", f"{r['suggest_http_s']:.2f}")
for z, t in r["tiles"].items():
    row(f"cold tile z{z} ({t['sampled']} of {t['tiles']} tiles, {t['non_empty']} non-empty)", "", "",
        f"p50 {t['p50_ms']:.1f} ms, p95 {t['p95_ms']:.1f} ms, max {t['max_ms']:.1f} ms, "
        f"mean {t['mean_bytes']:,} B")
PY
row "spielraum suggest k = 10 over sites.geojson" "$T_suggest" "$M_suggest" "whole process"
row "spielraum export (whole city)" "$T_export" "$M_export" "site $SITE_MB MB (tiles.pmtiles $PMTILES_MB MB)"
echo "peer agreement (served shares per planning area and band; ours are rounded to 4 decimals):"
sed 's/^/  /' "$OUT/agreement.log"
[ "$AGREE" = 0 ] && echo "  => they agree" || echo "  => THEY DISAGREE (differences > 0.001 or areas missing)"
echo "peer steps:"
grep "^peer:" "$OUT/peer.log" | sed 's/^/  /'
if [ -n "${BENCH_WORK:-}" ]; then echo "outputs in $OUT"
else echo "(outputs removed with the temporary folder; BENCH_WORK=/dir keeps them)"; fi
