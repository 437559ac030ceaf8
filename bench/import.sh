#!/usr/bin/env bash
# Benchmark: `spielraum import` against `osmium cat FILE -f opl -o /dev/null` (just reading the
# file) on the demo extract and on a larger extract made of shifted, renumbered copies of it.
# Prints wall time, peak memory (max RSS) and the time ratio import / osmium per file.
#
# Needs: apt-get install -y osmium-tool time gawk
#        cargo build --release -p spielraum
# Usage: bench/import.sh [COPIES]   (default 60 copies of the 1.3 MB demo, about 73 MB of PBF)
# RUNS=3 bench/import.sh repeats each measurement (import and osmium alternate, so both see the
# same load on a shared machine); BENCH_WORK=/dir keeps the generated file between calls.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${SPIELRAUM_BIN:-$ROOT/target/release/spielraum}"
DEMO="$ROOT/geodata/liechtenstein-2015.osm.pbf"
COPIES="${1:-60}"
WORK="${BENCH_WORK:-$(mktemp -d)}"
trap '[ -z "${BENCH_WORK:-}" ] && rm -rf "$WORK"' EXIT

[ -x "$BIN" ] || { echo "build first: cargo build --release -p spielraum" >&2; exit 1; }

BIG="$WORK/big-$COPIES.osm.pbf"
if [ ! -f "$BIG" ]; then
    echo "generating $COPIES shifted copies of the demo extract ..." >&2
    for k in $(seq 0 $((COPIES - 1))); do
        start=$((k * 100000000 + 1))
        dx=$(awk -v k="$k" 'BEGIN { printf "%.7f", (k % 8) * 0.25 }')
        dy=$(awk -v k="$k" 'BEGIN { printf "%.7f", int(k / 8) * 0.5 }')
        osmium renumber -s "$start,$start,$start" "$DEMO" -f opl -o - \
            | awk -v dx="$dx" -v dy="$dy" '
                /^n/ { for (i = 2; i <= NF; i++) {
                         if ($i ~ /^x/) $i = sprintf("x%.7f", substr($i, 2) + dx);
                         else if ($i ~ /^y/) $i = sprintf("y%.7f", substr($i, 2) + dy) } }
                { print }' \
            | osmium cat -F opl - -o "$WORK/copy-$k.osm.pbf" --overwrite
    done
    osmium merge "$WORK"/copy-*.osm.pbf -o "$BIG" --overwrite
    rm -f "$WORK"/copy-*.osm.pbf
fi

# measure NAME CMD... : prints "seconds max_rss_kib"
measure() {
    local log="$WORK/time.log"
    /usr/bin/time -v "$@" > /dev/null 2> "$log" || { cat "$log" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
            for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
    echo "$wall $rss"
}

printf "%-28s %10s %12s %10s %12s %8s\n" file "import s" "import MiB" "osmium s" "osmium MiB" ratio
for f in "$DEMO" "$BIG"; do
    for _ in $(seq "${RUNS:-1}"); do
        out="$WORK/out.gpkg"
        read -r ti mi < <(measure "$BIN" import "$f" --out "$out")
        read -r to mo < <(measure osmium cat "$f" -f opl -o /dev/null --overwrite)
        size=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
        printf "%-28s %10.2f %12.0f %10.2f %12.0f %8.2f\n" "$(basename "$f") (${size} MB)" \
            "$ti" "$((mi / 1024))" "$to" "$((mo / 1024))" "$(awk -v a="$ti" -v b="$to" 'BEGIN { print a / b }')"
    done
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
