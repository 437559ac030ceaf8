#!/usr/bin/env python3
"""Reads a `spielraum export` bundle back with an independent reader and checks it.

Usage: python3 tests/export_check.py CITY.gpkg SITE [--zooms MIN MAX]
Needs: pip install pmtiles   (the PMTiles reference implementation's Python reader)
Env:   SPIELRAUM_BIN   the binary serving CITY.gpkg for the comparison (default target/debug/spielraum)

Checks, each printed as ok/FAIL, then "export_check: N passed, N failed" (exit 1 on failure):
- the archive's header (PMTiles v3, tile type MVT, gzip tiles, the zoom range of the documented
  rule recomputed here from the header bounds unless --zooms is given, bounds holding every
  facility of facilities.geojson);
- its metadata (vector_layers with the live layers and their fields, OSM attribution);
- its tiles against the live server (`spielraum serve CITY.gpkg`): over the header bounds plus
  one ring of tiles around them, every zoom of the range, the set of non-empty tiles the
  server answers equals the archive's tiles, and every archive tile, un-gzipped, has the
  server's bytes; every tile parses as MVT (protobuf walked here) with known layer names;
- the rest of the bundle: index.html, style.json (pmtiles source, no URL leaving the bundle),
  indicators.json (the `analyze --format json` shape), README.md.
"""

import gzip
import http.client
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType

ROOT = Path(__file__).resolve().parent.parent
LIVE_LAYERS = {"landuse", "water", "buildings", "railways", "roads", "places",
               "neighbourhoods", "population", "facilities", "facility_points"}
passed, failed = 0, []


def check(ok, what):
    global passed
    print(("ok   " if ok else "FAIL ") + what)
    if ok:
        passed += 1
    else:
        failed.append(what)


def unit(lon, lat):
    """Web Mercator unit square (x east, y south), latitude clamped like the tile math."""
    lat = max(-85.0511287798, min(85.0511287798, lat))
    s = math.sin(math.radians(lat))
    return (lon + 180.0) / 360.0, 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


def expected_zooms(b):
    """docs/interfaces.md: max 16; min one below the highest zoom where the bounds fit one tile."""
    x0, y0 = unit(b[0], b[3])
    x1, y1 = unit(b[2], b[1])
    span = max(x1 - x0, y1 - y0)
    fit = 16 if span <= 0 else max(0, min(16, math.floor(-math.log2(span))))
    return max(fit - 1, 0), 16


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i


def fields(buf):
    """Protobuf fields (number, wire type, value) of a message; raises on malformed input."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
            if i > len(buf):
                raise ValueError("truncated")
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wt}")
        yield num, wt, v


def mvt_layers(tile):
    """Layer names of an MVT tile (Tile.layers = 3, Layer.name = 1); raises if it does not parse."""
    names = []
    for num, wt, v in fields(tile):
        if num == 3 and wt == 2:
            name = [bytes(x).decode() for n, w, x in fields(v) if n == 1 and w == 2]
            if len(name) != 1:
                raise ValueError("layer without one name")
            names.append(name[0])
    return names


def start_server(city):
    binary = os.environ.get("SPIELRAUM_BIN", str(ROOT / "target/debug/spielraum"))
    p = subprocess.Popen([binary, "serve", str(city), "--addr", "127.0.0.1:0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "SPIELRAUM_WEB_DIR": str(ROOT / "web/dist")})
    for line in p.stderr:
        m = re.search(r"on http://([^/\s]+)/", line)
        if m:
            return p, m.group(1)
    raise SystemExit(f"export_check: the server did not start ({binary})")


def main():
    args = sys.argv[1:]
    zooms = None
    if "--zooms" in args:
        i = args.index("--zooms")
        zooms = (int(args[i + 1]), int(args[i + 2]))
        del args[i:i + 3]
    if len(args) != 2:
        raise SystemExit(__doc__)
    city, site = Path(args[0]), Path(args[1])

    with open(site / "tiles.pmtiles", "rb") as f:
        get = MmapSource(f)
        reader = Reader(get)
        h = reader.header()
        meta = reader.metadata()
        tiles = {zxy: bytes(data) for zxy, data in all_tiles(get)}

    # --- header ---
    check(h["version"] == 3, "PMTiles spec version 3")
    check(h["tile_type"] == TileType.MVT, f"tile type MVT ({h['tile_type']})")
    check(h["tile_compression"] == Compression.GZIP, f"tiles gzip-compressed ({h['tile_compression']})")
    b = [h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7]
    want = zooms or expected_zooms(b)
    check((h["min_zoom"], h["max_zoom"]) == want, f"zooms {h['min_zoom']}..{h['max_zoom']} as chosen {want}")
    facilities = json.loads((site / "facilities.geojson").read_text())["features"]
    inside = [f for f in facilities
              if b[0] <= f["geometry"]["coordinates"][0] <= b[2] and b[1] <= f["geometry"]["coordinates"][1] <= b[3]]
    check(len(facilities) > 0 and len(inside) == len(facilities),
          f"header bounds {b} hold all {len(facilities)} facilities")
    check(h["addressed_tiles_count"] == len(tiles), f"header counts {h['addressed_tiles_count']} tiles, directory lists {len(tiles)}")

    # --- metadata ---
    layers = {l["id"]: l for l in meta.get("vector_layers", [])}
    check({"facilities", "facility_points", "neighbourhoods", "landuse", "roads", "buildings"} <= set(layers),
          f"vector_layers hold the Spielraum and basemap layers ({sorted(layers)})")
    check({"osm_id", "kind", "name"} <= set(layers.get("facilities", {}).get("fields", {})),
          "facilities layer fields osm_id, kind, name")
    check("served_share_age_0_5" in layers.get("neighbourhoods", {}).get("fields", {}),
          "neighbourhoods layer carries the indicators (served_share_age_0_5)")
    check("OpenStreetMap" in meta.get("attribution", ""), "attribution names OpenStreetMap contributors")

    # --- every tile parses as MVT with known layers ---
    seen, bad = set(), []
    for zxy, data in tiles.items():
        try:
            names = mvt_layers(gzip.decompress(data))
            seen.update(names)
            if not names or not set(names) <= LIVE_LAYERS | {"gaps"}:
                bad.append((zxy, names))
        except Exception as e:  # noqa: BLE001 - any parse failure is a failed check
            bad.append((zxy, str(e)))
    check(not bad, f"all {len(tiles)} tiles parse as MVT with known layers {bad[:3]}")
    check(seen == set(layers), f"layers found in tiles equal vector_layers ({sorted(seen ^ set(layers))} differ)")

    # --- against the live server ---
    server, addr = start_server(city)
    try:
        conn = http.client.HTTPConnection(addr, timeout=60)
        live, asked = {}, 0
        for z in range(want[0], want[1] + 1):
            n = 2 ** z
            x0, y0 = unit(b[0], b[3])
            x1, y1 = unit(b[2], b[1])
            # One ring of tiles beyond the bounds: they must be empty on the server too.
            for x in range(max(0, int(x0 * n) - 1), min(n - 1, int(x1 * n) + 1) + 1):
                for y in range(max(0, int(y0 * n) - 1), min(n - 1, int(y1 * n) + 1) + 1):
                    conn.request("GET", f"/tiles/{z}/{x}/{y}.mvt")
                    r = conn.getresponse()
                    body = r.read()
                    asked += 1
                    if r.status != 200:
                        raise SystemExit(f"export_check: /tiles/{z}/{x}/{y}.mvt answered {r.status}")
                    if body:
                        live[(z, x, y)] = body
        missing = sorted(set(live) - set(tiles))
        extra = sorted(set(tiles) - set(live))
        check(not missing and not extra,
              f"archive tiles = non-empty live tiles: {len(tiles)} vs {len(live)} of {asked} asked "
              f"(missing {missing[:3]}, extra {extra[:3]})")
        differ = [t for t in set(tiles) & set(live) if gzip.decompress(tiles[t]) != live[t]]
        check(not differ, f"every archive tile has the live server's bytes ({len(differ)} differ: {differ[:3]})")
        per_zoom = {}
        for z, _, _ in tiles:
            per_zoom[z] = per_zoom.get(z, 0) + 1
        print("tiles per zoom:", dict(sorted(per_zoom.items())))
    finally:
        server.terminate()
        server.wait()

    # --- the rest of the bundle ---
    style = json.loads((site / "style.json").read_text())
    src = style["sources"]["spielraum"]
    check(src.get("url") == "pmtiles://tiles.pmtiles" and "tiles" not in src, f"style source is the archive ({src.get('url')})")
    urls = re.findall(r"https?://[^\"' )]+", json.dumps({k: v for k, v in style.items() if k != "sources"}))
    check(not urls and "sprite" not in style, f"style loads nothing from elsewhere ({urls})")
    # Labels: the glyphs lie beside the page, every font the label layers name, range 0-255 at least.
    glyphs = style.get("glyphs", "")
    fonts = sorted({f for l in style["layers"] for f in l.get("layout", {}).get("text-font", [])[:1]})
    missing = [f for f in fonts if not (site / glyphs.replace("{fontstack}", f).replace("{range}", "0-255")).is_file()]
    check(glyphs.startswith("fonts/") and fonts and not missing, f"glyphs {glyphs} in the bundle for {fonts} (missing {missing})")
    used = {l.get("source-layer") for l in style["layers"]} - {None}
    check(used <= LIVE_LAYERS | {"gaps"}, f"style layers draw live tile layers ({sorted(used)})")
    ind = json.loads((site / "indicators.json").read_text())
    check(isinstance(ind.get("neighbourhoods"), list) and len(ind["neighbourhoods"]) > 0
          and all({"id", "name", "served_share", "need_rank"} <= set(n) for n in ind["neighbourhoods"]),
          f"indicators.json is the analyze document ({len(ind.get('neighbourhoods', []))} neighbourhoods)")
    html = (site / "index.html").read_text()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    check(refs and all(not re.match(r"^(https?:)?//", r) and (site / r).is_file() for r in refs),
          f"index.html loads only bundle files ({refs})")
    readme = (site / "README.md").read_text()
    check("<iframe" in readme and "Range" in readme and "Cache-Control" in readme,
          "README.md has the iframe snippet, range requests and cache headers")

    print(f"export_check: {passed} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
