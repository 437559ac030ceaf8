#!/usr/bin/env bash
# Time windows (issue 19): `analyze --window` beside the plain `analyze` on the same city, runs
# alternated, and the ratio of the medians (target: at most 1.2).
#
# The city is copied and a share of its facilities given OSM opening hours (sqlite3), so that the
# window really closes some: every 3rd "Mo-Fr 08:00-13:00" (closed in the afternoon), every 5th
# "Apr-Oct: 08:00-20:00" (seasonal), every 7th "Mo-Fr 07:30-16:30; PH off". The window asked is
# "Mo-Fr 14:00-18:00" (five afternoons) unless WINDOW says otherwise. Both runs read the file,
# build the walking graph and compute every indicator; neither writes back.
#
# Needs: sqlite3, python3, bc, a release build (cargo build --release -p spielraum).
# Usage: bench/time_window.sh CITY.gpkg [RUNS]      (default RUNS 5)
# Env:   SPIELRAUM_BIN (default target/release/spielraum), WINDOW (default "Mo-Fr 14:00-18:00";
#        "Mo-Fr 09:00-12:00" closes none of them: the cost of reading the hours alone)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${SPIELRAUM_BIN:-$ROOT/target/release/spielraum}"
CITY="${1:?give CITY.gpkg}"
RUNS="${2:-5}"
WINDOW="${WINDOW:-Mo-Fr 14:00-18:00}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$CITY" "$WORK/city.gpkg"
# python's sqlite3 with the GeoPackage's spatial functions declared: the R-tree triggers name
# them (they do not fire here, only the `opening_hours` column changes).
python3 - "$WORK/city.gpkg" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
if not any(r[1] == "opening_hours" for r in c.execute("PRAGMA table_info(facilities)")):
    c.execute("ALTER TABLE facilities ADD COLUMN opening_hours TEXT")  # imported before issue 19
for f in ["ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"]:
    c.create_function(f, 1, lambda g: None)
c.executescript("""
  UPDATE facilities SET opening_hours = 'Mo-Fr 08:00-13:00' WHERE fid % 3 = 0;
  UPDATE facilities SET opening_hours = 'Apr-Oct: 08:00-20:00' WHERE fid % 5 = 0 AND fid % 3 <> 0;
  UPDATE facilities SET opening_hours = 'Mo-Fr 07:30-16:30; PH off'
    WHERE fid % 7 = 0 AND fid % 3 <> 0 AND fid % 5 <> 0;""")
c.commit()
PY
with=$(sqlite3 "$WORK/city.gpkg" "SELECT count(*) FROM facilities WHERE opening_hours IS NOT NULL")
total=$(sqlite3 "$WORK/city.gpkg" "SELECT count(*) FROM facilities")
echo "city: $CITY ($total facilities, $with given opening hours); $(nproc) cores"

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
plain=(); timed=()
for i in $(seq "$RUNS"); do
  plain+=("$(seconds "$BIN" analyze "$WORK/city.gpkg" --no-write-back --format json)")
  timed+=("$(seconds "$BIN" analyze "$WORK/city.gpkg" --window "$WINDOW" --date 2027-07-05 --format json)")
done
closed=$("$BIN" analyze "$WORK/city.gpkg" --window "$WINDOW" --date 2027-07-05 --format json 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["time"]["closed_facilities"])')
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mp=$(median "${plain[@]}"); mt=$(median "${timed[@]}")
printf 'plain analyze:            %s s (median of %s: %s)\n' "$mp" "$RUNS" "${plain[*]}"
printf 'analyze --window "%s" (%s closed): %s s (median of %s: %s)\n' "$WINDOW" "$closed" "$mt" "$RUNS" "${timed[*]}"
printf 'ratio window / plain: %.3f (target <= 1.2)\n' "$(echo "$mt / $mp" | bc -l)"
