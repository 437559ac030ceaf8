#!/usr/bin/env python3
"""An independent peer for Spielraum's served shares: what a planner's notebook would compute.

Install: python3 -m venv WORK/venv && WORK/venv/bin/pip install numpy scipy osmium shapely
Run:     WORK/venv/bin/python bench/city/peer.py CITY.osm.pbf population.csv areas.geojson \\
             [--standards geodata/standards/din18034.toml] [--out peer.json] [--compare analyze.json]

Reads the same files `spielraum import` is given and computes, per planning area and age band,
the share of children whose walking distance to the nearest serving facility is within the
band's threshold (docs/domain.md, docs/methods.md, docs/standards.md):
- the walking graph built here from the PBF with pyosmium: the highway whitelist and the
  foot/access rules of docs/domain.md, every OSM segment an undirected edge with its great-circle
  length (R = 6 371 008.8 m), the largest connected component only (as bench/compare_networkx.py);
- facilities: nodes, closed ways and multipolygon relations (areas assembled by osmium), kinds
  and the access rule of docs/domain.md; an area is reached at its outline (all rings, densified
  to <= 25 m), a home inside it is at distance 0;
- homes (points of population.csv) and access points attach to the nearest point of the nearest
  edge (shapely STRtree candidates, refined exactly), the straight line counting;
- residents split into bands by the default age shares (5.6 %, 5.5 %, 5.4 %; docs/population.md)
  and assigned to the planning area containing them;
- one multi-source Dijkstra (scipy.sparse.csgraph) per target set -- the public facilities of the
  kinds (and minimum area) a band's rule counts -- bounded by the largest threshold using it.
Prints the time of each step on stderr and writes the shares as JSON. `--compare` reads
`spielraum analyze --format json` output and prints the agreement per band.
Only the default walking profile is implemented (not the child-safe one).
"""
import argparse
import json
import math
import os
import resource
import sys
import time
import tomllib

import numpy as np
import osmium
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

# The walking rules (whitelist, foot/access, great-circle lengths) are the other peer's, one copy.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from compare_networkx import R, WALKABLE, hav, walkable  # noqa: E402

BANDS = ["age_0_5", "age_6_11", "age_12_17"]
AGE_SHARES = [0.056, 0.055, 0.054]
OUTLINE_SPACING_M = 25.0
T0 = time.perf_counter()
TIMINGS = {}


def step(name, since):
    now = time.perf_counter()
    TIMINGS[name] = round(now - since, 3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peer: {name:<34} {now - since:7.2f} s   (total {now - T0:6.2f} s, peak {rss} MiB)",
          file=sys.stderr, flush=True)
    return now


def facility_kind(tags):
    leisure, amenity, landuse = tags.get("leisure"), tags.get("amenity"), tags.get("landuse")
    private = tags.get("access") in ("no", "private")
    if leisure == "playground":
        return "playground"
    if amenity == "school":
        return "school"
    if amenity == "kindergarten":
        return "kindergarten"
    if (leisure in ("park", "garden", "recreation_ground", "common")
            or (leisure == "pitch" and not private)
            or landuse in ("village_green", "recreation_ground")):
        return "open_space"
    return None


def read_standard(path):
    with open(path, "rb") as f:
        s = tomllib.load(f)
    if s.get("profile", "default") != "default":
        sys.exit(f"{path}: only the default walking profile is implemented here")
    rules = []  # per band: list of (kinds, min_area, threshold)
    for b in BANDS:
        band = s["bands"][b]
        kinds = frozenset(band["kinds"])
        rs = [(kinds, float(band.get("min_area_m2", 0.0)), float(band["threshold_m"]))]
        rs += [(kinds, float(a.get("min_area_m2", 0.0)), float(a["threshold_m"]))
               for a in band.get("also", [])]
        rules.append(rs)
    return s["name"], rules, s.get("area_weights", {}), float(s.get("point_area_m2", 0.0))


def read_pbf(path):
    """Walkable ways (node ids, lon, lat per way) and facilities (kind, public, points, rings)."""
    ways, facilities = [], []
    rel_type, rel_areas = {}, []
    fp = (osmium.FileProcessor(path).with_areas()
          .with_filter(osmium.filter.KeyFilter("highway", "leisure", "amenity", "landuse")))
    for o in fp:
        if o.is_node():
            tags = dict(o.tags)
            kind = facility_kind(tags)
            if kind:
                facilities.append((kind, tags.get("access") not in ("no", "private"),
                                   [(o.location.lon, o.location.lat)], None))
        elif o.is_way():
            tags = dict(o.tags)
            if walkable(tags):
                try:
                    ways.append([(n.ref, n.lon, n.lat) for n in o.nodes])
                except osmium.InvalidLocationError:
                    pass
        elif o.is_relation():
            rel_type[o.id] = o.tags.get("type")
        elif o.is_area():
            tags = dict(o.tags)
            kind = facility_kind(tags)
            if not kind:
                continue
            rings = []
            for outer in o.outer_rings():
                rings.append(([(n.lon, n.lat) for n in outer],
                              [[(n.lon, n.lat) for n in inner] for inner in o.inner_rings(outer)]))
            if not rings:
                continue
            item = (kind, tags.get("access") not in ("no", "private"), None, rings)
            if o.from_way():
                facilities.append(item)
            else:
                rel_areas.append((o.orig_id(), item))
    # Relations count only as multipolygons (not type=site or boundaries).
    facilities += [item for rid, item in rel_areas if rel_type.get(rid) == "multipolygon"]
    return ways, facilities


class Graph:
    def __init__(self, ways):
        lens = np.array([len(w) for w in ways])
        flat = np.array([p for w in ways for p in w], dtype=float)
        refs = flat[:, 0].astype(np.int64)
        ids, inv = np.unique(refs, return_inverse=True)
        lon = np.zeros(len(ids))
        lat = np.zeros(len(ids))
        lon[inv], lat[inv] = flat[:, 1], flat[:, 2]
        # Consecutive nodes within a way (not across ways).
        start = np.cumsum(lens) - lens
        last = np.zeros(len(refs), dtype=bool)
        last[start + lens - 1] = True
        a, b = inv[:-1][~last[:-1]], inv[1:][~last[:-1]]
        keep = a != b
        a, b = a[keep], b[keep]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        w = hav(lon[lo], lat[lo], lon[hi], lat[hi])
        order = np.lexsort((w, hi, lo))
        lo, hi, w = lo[order], hi[order], w[order]
        first = np.ones(len(lo), dtype=bool)
        first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        lo, hi, w = lo[first], hi[first], w[first]  # duplicate segments: the shorter
        n = len(ids)
        adj = coo_matrix((np.ones(len(lo)), (lo, hi)), shape=(n, n))
        _, label = connected_components(adj, directed=False)
        big = np.argmax(np.bincount(label))
        node_keep = label == big
        new = -np.ones(n, dtype=np.int64)
        new[node_keep] = np.arange(node_keep.sum())
        e_keep = node_keep[lo]
        self.lon, self.lat = lon[node_keep], lat[node_keep]
        self.ea, self.eb, self.ew = new[lo[e_keep]], new[hi[e_keep]], w[e_keep]
        self.n = int(node_keep.sum())
        self.k0 = math.cos(math.radians(float(self.lat.mean())))
        ax, ay = self.lon[self.ea] * self.k0, self.lat[self.ea]
        bx, by = self.lon[self.eb] * self.k0, self.lat[self.eb]
        self.tree = shapely.STRtree(shapely.linestrings(
            np.stack([np.stack([ax, ay], 1), np.stack([bx, by], 1)], 1)))

    def snap(self, px, py):
        """Nearest point of the nearest edge: (edge, to_a, to_b, offset) per point."""
        px, py = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
        pts = shapely.points(px * self.k0, py)
        (qi, _), d = self.tree.query_nearest(pts, return_distance=True)
        near = np.full(len(px), np.inf)
        near[qi] = d
        # Every segment that may be nearer in metres than the one nearest in the flat plane
        # (the plane's x scale is the mean latitude's).
        qi, si = self.tree.query(pts, predicate="dwithin", distance=near * 1.02 + 1e-9)
        x, y = px[qi], py[qi]
        c = np.cos(np.radians(y))
        lon_a, lat_a = self.lon[self.ea[si]], self.lat[self.ea[si]]
        lon_b, lat_b = self.lon[self.eb[si]], self.lat[self.eb[si]]
        ax, ay = (lon_a - x) * c, lat_a - y
        bx, by = (lon_b - x) * c, lat_b - y
        dx, dy = bx - ax, by - ay
        l2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(l2 > 0, np.clip(-(ax * dx + ay * dy) / l2, 0.0, 1.0), 0.0)
        sx, sy = lon_a + t * (lon_b - lon_a), lat_a + t * (lat_b - lat_a)
        off = hav(x, y, sx, sy)
        order = np.lexsort((si, off, qi))
        qi, si, sx, sy, off = qi[order], si[order], sx[order], sy[order], off[order]
        first = np.ones(len(qi), dtype=bool)
        first[1:] = qi[1:] != qi[:-1]
        q, s = qi[first], si[first]
        edge = np.zeros(len(px), dtype=np.int64)
        to_a, to_b, offset = (np.full(len(px), np.inf) for _ in range(3))
        edge[q] = s
        offset[q] = off[first]
        to_a[q] = hav(sx[first], sy[first], self.lon[self.ea[s]], self.lat[self.ea[s]])
        to_b[q] = hav(sx[first], sy[first], self.lon[self.eb[s]], self.lat[self.eb[s]])
        return edge, to_a, to_b, offset


def densify(ring):
    pts = np.asarray(ring, dtype=float)
    out = []
    for (x1, y1), (x2, y2) in zip(pts[:-1], pts[1:]):
        n = max(1, math.ceil((float(hav(x1, y1, x2, y2)) - 1e-6) / OUTLINE_SPACING_M))
        out += [(x1 + (x2 - x1) * i / n, y1 + (y2 - y1) * i / n) for i in range(n)]
    return out + [tuple(pts[-1])]


WGS84_A = 6_378_137.0
WGS84_E2 = 0.00669437999014  # first eccentricity squared (f = 1/298.257223563)


def area_m2(rings):
    """Area of a facility's rings on the WGS84 ellipsoid (the documented definition of facility
    areas): the shoelace formula in the ellipsoid's Lambert cylindrical equal-area projection,
    x = a·λ, y = a·q(φ)/2 with the authalic q (Snyder, Map Projections, eq. 3-12)."""
    e = math.sqrt(WGS84_E2)
    total = 0.0
    for outer, inners in rings:
        for ring, sign in [(outer, 1)] + [(r, -1) for r in inners]:
            p = np.asarray(ring, dtype=float)
            s = np.sin(np.radians(p[:, 1]))
            q = (1 - WGS84_E2) * (s / (1 - WGS84_E2 * s * s)
                                  - np.log((1 - e * s) / (1 + e * s)) / (2 * e))
            x, y = WGS84_A * np.radians(p[:, 0]), WGS84_A * q / 2
            total += sign * abs(0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
    return total


def distances(g, base, facs, units, bound):
    """Walking distance from every unit to the nearest facility in `facs`, inf beyond `bound`."""
    ux, uy, (ue, ua, ub, uo) = units
    tx, ty, polys = [], [], []
    for _, _, point, rings in facs:
        if rings is None:
            tx.append(point[0][0])
            ty.append(point[0][1])
            continue
        for outer, inners in rings:
            for ring in [outer] + inners:
                for x, y in densify(ring):
                    tx.append(x)
                    ty.append(y)
            polys.append(shapely.Polygon(outer, inners))
    d = np.full(len(ux), np.inf)
    if not tx:
        return d
    te, ta, tb, to = g.snap(tx, ty)
    ok = np.isfinite(to)
    te, ta, tb, to = te[ok], ta[ok], tb[ok], to[ok]
    # A super source S joined to both ends of every access point's edge (shortest arc per node).
    v = np.concatenate([g.ea[te], g.eb[te]])
    w = np.concatenate([to + ta, to + tb])
    order = np.lexsort((w, v))
    v, w = v[order], w[order]
    first = np.ones(len(v), dtype=bool)
    first[1:] = v[1:] != v[:-1]
    v, w = v[first], w[first]
    n = g.n
    rows = np.concatenate([base[0], np.full(len(v), n)])
    cols = np.concatenate([base[1], v])
    ws = np.maximum(np.concatenate([base[2], w]), 1e-9)
    csr = coo_matrix((ws, (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    field = dijkstra(csr, directed=True, indices=n, limit=bound)
    ok = np.isfinite(uo)
    d[ok] = np.minimum(uo[ok] + ua[ok] + field[g.ea[ue[ok]]], uo[ok] + ub[ok] + field[g.eb[ue[ok]]])
    # Access points on a home's own edge: along the edge, both straight pieces counted.
    order = np.argsort(te, kind="stable")
    te_s, ta_s, to_s = te[order], ta[order], to[order]
    lo = np.searchsorted(te_s, ue, side="left")
    hi = np.searchsorted(te_s, ue, side="right")
    has = np.flatnonzero((hi > lo) & ok)
    if len(has):
        cnt = hi[has] - lo[has]
        home = np.repeat(has, cnt)
        k = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(lo[has], cnt)
        same = uo[home] + np.abs(ua[home] - ta_s[k]) + to_s[k]
        np.minimum.at(d, home, same)
    # Homes inside a facility's area are at distance 0.
    if polys:
        tree = shapely.STRtree(polys)
        inside, _ = tree.query(shapely.points(ux, uy), predicate="intersects")
        d[np.unique(inside)] = 0.0
    d[d > bound] = np.inf
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pbf")
    ap.add_argument("population")
    ap.add_argument("areas")
    ap.add_argument("--standards", default=None,
                    help="standard TOML (default: geodata/standards/din18034.toml)")
    ap.add_argument("--out", help="write the shares as JSON here")
    ap.add_argument("--compare", help="`spielraum analyze --format json` output to compare with")
    args = ap.parse_args()
    std_path = args.standards or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                              "../../geodata/standards/din18034.toml")
    name, rules, weights, point_area = read_standard(std_path)

    t = time.perf_counter()
    ways, facilities = read_pbf(args.pbf)
    t = step(f"read PBF ({len(ways)} walkable ways, {len(facilities)} facilities)", t)
    g = Graph(ways)
    del ways
    base = (np.concatenate([g.ea, g.eb]), np.concatenate([g.eb, g.ea]),
            np.concatenate([g.ew, g.ew]))
    t = step(f"walking graph ({g.n} nodes, {len(g.ea)} edges)", t)

    pop = np.loadtxt(args.population, delimiter=",", skiprows=1, ndmin=2)
    ux, uy, residents = pop[:, 0], pop[:, 1], pop[:, 2]
    ages = residents[:, None] * np.array(AGE_SHARES)[None, :]
    with open(args.areas) as f:
        feats = json.load(f)["features"]
    area_ids = [str(ft.get("id", ft["properties"].get("id", i + 1))) for i, ft in enumerate(feats)]
    area_names = [ft["properties"].get("name") for ft in feats]
    polys = [shapely.geometry.shape(ft["geometry"]) for ft in feats]
    atree = shapely.STRtree(polys)
    qi, ai = atree.query(shapely.points(ux, uy), predicate="intersects")
    home = np.full(len(ux), len(polys))
    np.minimum.at(home, qi, ai)  # the first area listed, where areas overlap or touch
    t = step(f"population ({len(ux)} points) and areas ({len(polys)})", t)

    units = (ux, uy, g.snap(ux, uy))
    t = step("snap homes to the network", t)

    # One target set per (kinds, minimum area), searched up to the largest threshold using it.
    def weighted_area(f):
        kind, _, point, rings = f
        a = point_area if rings is None else area_m2(rings)
        return a * float(weights.get(kind, 1.0))

    fac_area = [weighted_area(f) for f in facilities]
    sets = {}
    for band_rules in rules:
        for kinds, min_area, threshold in band_rules:
            sets[(kinds, min_area)] = max(sets.get((kinds, min_area), 0.0), threshold)
    dist = {}
    for (kinds, min_area), bound in sets.items():
        facs = [f for f, a in zip(facilities, fac_area) if f[1] and f[0] in kinds and a >= min_area]
        dist[(kinds, min_area)] = distances(g, base, facs, units, bound)
        t = step(f"search {'+'.join(sorted(kinds))} >= {min_area:g} m2 ({len(facs)} facilities, "
                 f"<= {bound:g} m)", t)

    served = np.zeros((len(ux), 3), dtype=bool)
    for b, band_rules in enumerate(rules):
        for kinds, min_area, threshold in band_rules:
            served[:, b] |= dist[(kinds, min_area)] <= threshold
    n_areas = len(polys)
    children = np.zeros((n_areas + 1, 3))
    served_children = np.zeros((n_areas + 1, 3))
    total = np.zeros(n_areas + 1)
    np.add.at(children, home, ages)
    np.add.at(served_children, home, ages * served)
    np.add.at(total, home, residents)
    out = {"standard": name, "areas": [], "unassigned_residents": float(total[n_areas])}
    for k in range(n_areas):
        out["areas"].append({
            "id": area_ids[k], "name": area_names[k],
            "population": {"total": float(total[k]),
                           **{BANDS[b]: float(children[k, b]) for b in range(3)}},
            "served_share": {BANDS[b]: (float(served_children[k, b] / children[k, b])
                                        if children[k, b] > 0 else None) for b in range(3)},
        })
    t = step("served shares per area and band", t)
    TIMINGS["total"] = round(time.perf_counter() - T0, 3)
    out["timings_s"] = TIMINGS
    out["graph"] = {"nodes": g.n, "edges": int(len(g.ea)), "km": round(float(g.ew.sum()) / 1000, 3)}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)
    print(f"peer: total {TIMINGS['total']:.2f} s", file=sys.stderr)
    if args.compare:
        sys.exit(compare(out, args.compare))


def compare(peer, analyze_path):
    """Prints the agreement of the served shares (and children per band) with Spielraum's."""
    with open(analyze_path) as f:
        ours = {n["id"]: n for n in json.load(f)["neighbourhoods"]}
    rows = []
    worst = []
    missing = [a["id"] for a in peer["areas"] if a["id"] not in ours]
    for a in peer["areas"]:
        n = ours.get(a["id"])
        if n is None:
            continue
        for b in BANDS:
            p, s = a["served_share"][b], n["served_share"][b]
            pop_diff = abs(a["population"][b] - n["population"][b])
            if (p is None) != (s is None):
                rows.append((b, math.inf, pop_diff))
                worst.append((math.inf, a["id"], b, p, s))
            elif p is not None:
                rows.append((b, abs(p - s), pop_diff))
                worst.append((abs(p - s), a["id"], b, p, s))
    print(f"agreement with {analyze_path}: {len(peer['areas'])} areas"
          + (f", {len(missing)} missing in spielraum's output" if missing else ""))
    bad_total = 0
    for b in BANDS:
        d = [r[1] for r in rows if r[0] == b]
        pd = [r[2] for r in rows if r[0] == b]
        bad = sum(1 for x in d if x > 0.001)
        bad_total += bad
        print(f"  {b:<9}  max |share difference| {max(d, default=0):.6f}, differences > 0.001: "
              f"{bad} of {len(d)}; max |children difference| {max(pd, default=0):.2f}")
    for diff, aid, b, p, s in sorted(worst, key=lambda r: -r[0])[:5]:
        if diff > 0.001:
            print(f"  worst: area {aid} {b}: peer {p} vs spielraum {s}")
    return 1 if bad_total or missing else 0


if __name__ == "__main__":
    main()
