#!/usr/bin/env bash
# Benchmark: reading a national-size Zensus 2022 100 m grid (3.1 million rows) and the matching
# age table (infrastructure classes), time and peak memory; a pandas + pyproj reader as the peer.
# Needs: python3, /usr/bin/time (Debian: apt-get install -y time);
# for the peer: pip install pandas pyproj   (the peer is skipped if they are missing).
# Usage: bench/zensus.sh [ROWS]   (default 3100000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-3100000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 - "$ROWS" "$TMP" <<'PY'
import random, sys
rows, out = int(sys.argv[1]), sys.argv[2]
random.seed(2022)
# Germany's extent in EPSG:3035 (lower-left cell corners, 100 m steps):
# E 4 030 000 .. 4 680 000, N 2 680 000 .. 3 550 000.
E0, N0, NE, NN = 40300, 26800, 6500, 8700
cells = sorted(random.sample(range(NE * NN), rows))
dash = "\u2013"
with open(f"{out}/grid.csv", "w", encoding="utf-8", newline="") as g, \
     open(f"{out}/ages.csv", "w", encoding="utf-8", newline="") as a:
    g.write("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n")
    a.write("GITTER_ID_100m;x_mp_100m;y_mp_100m;Insgesamt_Bevoelkerung;Unter3;a3bis5;a6bis9;a10bis15;"
            "a16bis18;a19bis24;a25bis39;a40bis59;a60bis66;a67bis74;a75undaelter;werterlaeuternde_Zeichen\n")
    for c in cells:
        n, e = (N0 + c // NE) * 100, (E0 + c % NE) * 100
        gid = f"CRS3035RES100mN{n}E{e}"
        pop = random.choice((3, 4, 5, 8, 12, 20, 35, 60, 150))
        val = dash if random.random() < 0.05 else str(pop)
        g.write(f"{gid};{e + 50};{n + 50};{val}\n")
        kids = [str(random.randint(0, 3)) if random.random() > 0.2 else dash for _ in range(5)]
        a.write(f"{gid};{e + 50};{n + 50};{pop};{';'.join(kids)};1;2;3;1;1;1;\n")
PY
ls -l "$TMP"/*.csv

cargo build --release -q -p spielraum-ingest --example read_zensus
BIN=target/release/examples/read_zensus

run() { # label, command...
    local label=$1; shift
    /usr/bin/time -v "$@" > "$TMP/out" 2> "$TMP/time" || { cat "$TMP/time"; exit 1; }
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$TMP/time" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$TMP/time" | awk '{print $NF}')
    printf '%-34s wall %8s  peak RSS %6d MiB  | %s\n' "$label" "$wall" $((rss / 1024)) "$(cat "$TMP/out")"
    echo "$wall" > "$TMP/wall_$label"
}
secs() { awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }' "$TMP/wall_$1"; }

run spielraum_grid "$BIN" "$TMP/grid.csv"
run spielraum_grid_and_ages "$BIN" "$TMP/grid.csv" "$TMP/ages.csv"

if python3 -c "import pandas, pyproj" 2>/dev/null; then
    cat > "$TMP/peer.py" <<'PY'
import sys, time
import pandas as pd
from pyproj import Transformer
t = time.time()
df = pd.read_csv(sys.argv[1], sep=";", decimal=",", na_values=["\u2013", "-"], encoding="utf-8")
lon, lat = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True).transform(
    df["x_mp_100m"].to_numpy(), df["y_mp_100m"].to_numpy())
pop = df["Einwohner"].fillna(0)
print(f"units {len(df)} residents {pop.sum():.0f} suppressed {df['Einwohner'].isna().sum()} seconds {time.time() - t:.2f}")
PY
    run pandas_pyproj_grid python3 "$TMP/peer.py" "$TMP/grid.csv"
    echo "ratio spielraum/pandas+pyproj (grid, wall): $(awk "BEGIN{printf \"%.2f\", $(secs spielraum_grid)/$(secs pandas_pyproj_grid)}")"
else
    echo "peer skipped: pip install pandas pyproj"
fi
