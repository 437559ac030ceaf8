#!/usr/bin/env bash
# Report generation benchmark: `spielraum report --all` as PDF and HTML on the demo extract,
# timed against (a) `spielraum analyze --format json` alone (the analysis every report runs
# first) and (b) a peer PDF renderer, headless Chromium printing our own HTML report to PDF,
# same machine, same run. Prints times, sizes, page counts and the ratios.
#
# Needs: apt-get install -y poppler-utils chromium   (pdfinfo; chromium is optional)
# Usage: bench/report.sh [CITY.gpkg]   (default: imports geodata/liechtenstein-2015.osm.pbf)
# Env:   RUNS=3 (the best of RUNS is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p spielraum
bin=target/release/spielraum
city=${1:-}
if [ -z "$city" ]; then
  city="$work/demo.gpkg"
  "$bin" import geodata/liechtenstein-2015.osm.pbf --out "$city" >/dev/null 2>&1
fi

# best_of LABEL CMD…: runs CMD $RUNS times, prints and remembers the best wall time in seconds.
declare -A best
best_of() {
  local label=$1; shift
  local b=""
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    t1=$(date +%s.%N)
    b=$(python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); b=sys.argv[3]; print(t if not b or t<float(b) else b)" "$t0" "$t1" "$b")
  done
  best[$label]=$b
  printf '%-34s %8.2f s\n' "$label" "$b"
}

n=$("$bin" analyze "$city" --format json --no-write-back | python3 -c "import json,sys; print(len(json.load(sys.stdin)['neighbourhoods']))")
echo "== $city: $n neighbourhoods, best of $RUNS =="
best_of "analyze --format json" "$bin" analyze "$city" --format json --no-write-back
best_of "report --all pdf (de)" "$bin" report "$city" --all --format pdf --out "$work/r.pdf"
best_of "report --all html (de)" "$bin" report "$city" --all --format html --out "$work/r.html"
best_of "report one neighbourhood pdf" "$bin" report "$city" --neighbourhood "$("$bin" analyze "$city" --format json --no-write-back | python3 -c "import json,sys; print(json.load(sys.stdin)['neighbourhoods'][0]['id'])")" --out "$work/one.pdf"
printf 'PDF: %s pages, %s bytes; HTML: %s bytes\n' \
  "$(pdfinfo "$work/r.pdf" | awk '/^Pages:/ {print $2}')" "$(stat -c %s "$work/r.pdf")" "$(stat -c %s "$work/r.html")"

python3 - "${best[analyze --format json]}" "${best[report --all pdf (de)]}" "${best[report --all html (de)]}" <<'PY'
import sys
a, pdf, html = map(float, sys.argv[1:])
print(f"report pdf − analysis: {pdf - a:.2f} s (rendering all pages); ratio report pdf / analyze = {pdf / a:.2f}")
print(f"report html − analysis: {html - a:.2f} s; ratio report html / analyze = {html / a:.2f}")
PY

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chromium" ]; then
  best_of "peer: chromium html → pdf" "$chromium" --headless --no-sandbox --disable-gpu \
    --no-pdf-header-footer --print-to-pdf="$work/chromium.pdf" "file://$work/r.html"
  printf 'chromium PDF: %s pages, %s bytes\n' \
    "$(pdfinfo "$work/chromium.pdf" | awk '/^Pages:/ {print $2}')" "$(stat -c %s "$work/chromium.pdf")"
  python3 - "${best[analyze --format json]}" "${best[report --all pdf (de)]}" "${best[peer: chromium html → pdf]}" <<'PY'
import sys
a, pdf, peer = map(float, sys.argv[1:])
ours = pdf - a
print(f"PDF rendering only: ours {ours:.2f} s vs chromium {peer:.2f} s (chromium without the analysis); ratio chromium / ours = {peer / ours:.2f}")
PY
else
  echo "chromium not installed: peer skipped (apt-get install -y chromium)"
fi
