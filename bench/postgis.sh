#!/usr/bin/env bash
# The same city in a GeoPackage and in PostgreSQL/PostGIS, timed side by side: import, analyze
# (JSON compared byte for byte) and reading the city for a server's start, RUNS times each,
# alternating, with GNU time (wall seconds, peak RSS of our process; PostgreSQL's own memory is
# not counted).
#
# Usage: PG_URL='postgresql://USER@HOST:PORT/DB?schema=NAME' bench/postgis.sh CITY.osm.pbf [IMPORT FLAGS…]
#   e.g. PG_URL=… bench/postgis.sh city.osm.pbf --boundaries areas.geojson --population population.csv
# Env: RUNS (default 3), SPIELRAUM (default target/release/spielraum). The schema is migrated
# and its layers replaced; use a throw-away one.
set -euo pipefail
pbf="${1:?usage: PG_URL=postgresql://… bench/postgis.sh CITY.osm.pbf [IMPORT FLAGS…]}"
shift
url="${PG_URL:?set PG_URL to a postgresql:// connection string}"
runs="${RUNS:-3}"
bin="${SPIELRAUM:-$(dirname "$0")/../target/release/spielraum}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
gpkg="$dir/city.gpkg"

timed() { # label, command…: appends "label wall_s rss_kb"
  local label="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >"$dir/out.$label" 2>"$dir/err.$label"
  echo "$label $(cat "$dir/t")" >>"$dir/times"
}

"$bin" db migrate "$url" >/dev/null
for i in $(seq "$runs"); do
  timed import_gpkg "$bin" import "$pbf" --out "$gpkg" "$@"
  timed import_pg "$bin" import "$pbf" --out "$url" "$@"
  timed analyze_gpkg "$bin" analyze "$gpkg" --format json
  timed analyze_pg "$bin" analyze "$url" --format json
  cmp -s "$dir/out.analyze_gpkg" "$dir/out.analyze_pg" || {
    echo "analyze JSON differs between the GeoPackage and PostgreSQL" >&2
    exit 1
  }
  timed export_gpkg "$bin" export "$gpkg" --out "$dir/site-gpkg" --force --max-zoom 12
  timed export_pg "$bin" export "$url" --out "$dir/site-pg" --force --max-zoom 12
done
echo "analyze JSON equal in every run ($(wc -c <"$dir/out.analyze_gpkg") bytes)"
python3 - "$dir/times" <<'EOF'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, wall, rss = line.split()
    rows[label].append((float(wall), int(rss)))
print(f"{'step':<14}{'median s':>10}{'min s':>8}{'max s':>8}{'peak MB':>9}")
for label, v in rows.items():
    w = [x[0] for x in v]
    print(f"{label:<14}{statistics.median(w):>10.2f}{min(w):>8.2f}{max(w):>8.2f}{max(x[1] for x in v) / 1024:>9.0f}")
for step in ("import", "analyze", "export"):
    g, p = rows.get(step + "_gpkg"), rows.get(step + "_pg")
    if g and p:
        ratio = statistics.median(x[0] for x in p) / statistics.median(x[0] for x in g)
        print(f"{step}: PostgreSQL / GeoPackage = {ratio:.2f}")
EOF
