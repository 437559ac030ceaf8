#!/usr/bin/env python3
"""Second implementation of Spielraum's walking distances, for agreement checks.

Builds the walking graph ITSELF from the PBF (pyosmium) with the rules of docs/domain.md
("Walking network"), snaps origins and playground access points to the nearest point of the
nearest edge (offset counted), runs a multi-source Dijkstra (scipy) from all playground snap
points and compares the nearest-playground distance with Spielraum's
(crates/network/examples/nearest_csv.rs). Target: >= 99 % of origins within 1 m.

Install: pip install osmium scipy numpy shapely
Run:     python3 bench/compare_networkx.py [geodata/liechtenstein-2015.osm.pbf] [N_ORIGINS]
Playgrounds: leisure=playground nodes and closed ways (relations skipped on both sides),
access=no/private excluded. Origins: building centroids (vertex mean) plus random points.
"""
import csv
import math
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import osmium
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

R = 6_371_008.8
WALKABLE = {
    "footway", "path", "pedestrian", "steps", "living_street", "residential", "service",
    "unclassified", "track", "cycleway", "bridleway", "corridor", "road", "tertiary",
    "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "trunk", "trunk_link",
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def hav(lon1, lat1, lon2, lat2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * R * np.arcsin(np.sqrt(h))


def walkable(tags):
    hw = tags.get("highway")
    if hw not in WALKABLE:
        return False
    foot = tags.get("foot")
    if foot in ("no", "private"):
        return False
    if tags.get("access") in ("no", "private") and foot not in ("yes", "designated", "permissive"):
        return False
    return True


class Reader(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.ways = []          # (node ids, lons, lats)
        self.playgrounds = []   # (osm id, list of (lon, lat), is_area)
        self.buildings = []     # centroid (lon, lat)

    def node(self, n):
        if n.tags.get("leisure") == "playground" and n.tags.get("access") not in ("no", "private"):
            self.playgrounds.append((f"n{n.id}", [(n.location.lon, n.location.lat)], False))

    def way(self, w):
        tags = {t.k: t.v for t in w.tags}
        try:
            ids = [n.ref for n in w.nodes]
            pts = [(n.location.lon, n.location.lat) for n in w.nodes]
        except osmium.InvalidLocationError:
            return
        if walkable(tags):
            self.ways.append((ids, pts))
        closed = len(ids) >= 4 and ids[0] == ids[-1]
        if tags.get("leisure") == "playground" and closed and tags.get("access") not in ("no", "private"):
            self.playgrounds.append((f"w{w.id}", pts, True))
        if "building" in tags and closed:
            ring = pts[:-1]
            self.buildings.append((sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)))


def densify(ring):
    out = []
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        n = max(1, math.ceil((float(hav(x1, y1, x2, y2)) - 1e-6) / 25.0))
        out += [(x1 + (x2 - x1) * i / n, y1 + (y2 - y1) * i / n) for i in range(n)]
    return out + [ring[-1]]


def main():
    pbf = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "geodata/liechtenstein-2015.osm.pbf")
    n_origins = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rd = Reader()
    rd.apply_file(pbf, locations=True)

    # Graph: every OSM segment an undirected edge; duplicates keep the shorter.
    index, lon, lat = {}, [], []
    seg = {}
    for ids, pts in rd.ways:
        for k, (nid, (x, y)) in enumerate(zip(ids, pts)):
            if nid not in index:
                index[nid] = len(lon)
                lon.append(x)
                lat.append(y)
        for (u, (x1, y1)), (v, (x2, y2)) in zip(zip(ids, pts), zip(ids[1:], pts[1:])):
            if u == v:
                continue
            a, b = sorted((index[u], index[v]))
            seg[(a, b)] = min(seg.get((a, b), math.inf), float(hav(x1, y1, x2, y2)))
    lon, lat = np.array(lon), np.array(lat)
    ea = np.array([k[0] for k in seg]); eb = np.array([k[1] for k in seg])
    ew = np.array(list(seg.values()))
    n = len(lon)
    adj = coo_matrix((np.ones(len(ea)), (ea, eb)), shape=(n, n))
    ncomp, lab = connected_components(adj, directed=False)
    big = np.argmax(np.bincount(lab))
    keep = lab[ea] == big
    ea, eb, ew = ea[keep], eb[keep], ew[keep]
    print(f"python graph: {np.sum(lab == big)} nodes, {len(ea)} edges, {ew.sum() / 1000:.1f} km", file=sys.stderr)

    # Snapping: candidate segments from an STRtree in a flat plane, exact nearest point around the query.
    k0 = math.cos(math.radians(float(lat.mean())))
    lines = shapely.linestrings(np.stack([
        np.stack([lon[ea] * k0, lat[ea]], axis=1), np.stack([lon[eb] * k0, lat[eb]], axis=1)], axis=1))
    tree = shapely.STRtree(lines)

    def snap(px, py):
        pts = shapely.points(np.array(px) * k0, np.array(py))
        (qi, si), _ = tree.query_nearest(pts, return_distance=True, all_matches=True)
        best = {}
        for q, s in zip(qi, si):
            x, y = px[q], py[q]
            c = math.cos(math.radians(y))
            ax, ay = (lon[ea[s]] - x) * c, lat[ea[s]] - y
            bx, by = (lon[eb[s]] - x) * c, lat[eb[s]] - y
            dx, dy = bx - ax, by - ay
            l2 = dx * dx + dy * dy
            t = 0.0 if l2 == 0 else min(1.0, max(0.0, -(ax * dx + ay * dy) / l2))
            sx = lon[ea[s]] + t * (lon[eb[s]] - lon[ea[s]])
            sy = lat[ea[s]] + t * (lat[eb[s]] - lat[ea[s]])
            off = float(hav(x, y, sx, sy))
            if q not in best or off < best[q][3]:
                best[q] = (s, float(hav(sx, sy, lon[ea[s]], lat[ea[s]])), float(hav(sx, sy, lon[eb[s]], lat[eb[s]])), off)
        return [best[q] for q in range(len(px))]

    # Targets: playground access points.
    tx, ty, tid = [], [], []
    polys = []
    for oid, pts, is_area in rd.playgrounds:
        acc = densify(pts) if is_area else pts
        for x, y in acc:
            tx.append(x); ty.append(y); tid.append(oid)
        if is_area:
            polys.append((oid, shapely.Polygon(pts)))
    tsnaps = snap(tx, ty)
    on_edge = {}
    for i, (s, da, db, off) in enumerate(tsnaps):
        on_edge.setdefault(s, []).append((da, off, tid[i]))

    # Multi-source Dijkstra: a super source S with an arc to both ends of every target's edge.
    # (Duplicate arcs would be summed by scipy's sparse matrices: keep the shortest per node.)
    S = n
    first = {}
    for s, da, db, off in tsnaps:
        for v, d in ((ea[s], off + da), (eb[s], off + db)):
            first[v] = min(first.get(v, math.inf), d)
    dst, w = list(first), list(first.values())
    src_a = [S] * len(dst)
    rows = np.concatenate([ea, eb, src_a]); cols = np.concatenate([eb, ea, dst])
    ws = np.maximum(np.concatenate([ew, ew, w]), 1e-9)
    g = coo_matrix((ws, (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    dist = dijkstra(g, directed=True, indices=S)

    # Origins: building centroids plus random points in the network's box.
    rnd = random.Random(42)
    origins = rnd.sample(rd.buildings, min(len(rd.buildings), n_origins * 4 // 5))
    while len(origins) < n_origins:
        origins.append((rnd.uniform(lon.min(), lon.max()), rnd.uniform(lat.min(), lat.max())))
    ox = [o[0] for o in origins]; oy = [o[1] for o in origins]
    osnaps = snap(ox, oy)
    want = []
    for i, (s, da, db, off) in enumerate(osnaps):
        d = min(off + da + dist[ea[s]], off + db + dist[eb[s]])
        for tda, toff, _ in on_edge.get(s, []):
            d = min(d, off + abs(da - tda) + toff)
        p = shapely.Point(ox[i], oy[i])
        if any(poly.contains(p) for _, poly in polys):
            d = 0.0
        want.append(d)

    with tempfile.TemporaryDirectory() as tmp:
        ocsv, rcsv = os.path.join(tmp, "origins.csv"), os.path.join(tmp, "out.csv")
        with open(ocsv, "w") as f:
            f.write("id,lon,lat\n")
            for i, (x, y) in enumerate(origins):
                f.write(f"{i},{float(x)!r},{float(y)!r}\n")
        subprocess.run(["cargo", "run", "--quiet", "--release", "-p", "spielraum-network", "--example",
                        "nearest_csv", "--", pbf, ocsv, rcsv], check=True, cwd=ROOT)
        with open(rcsv) as f:
            got = [float(r["distance_m"]) if r["distance_m"] else math.inf for r in csv.DictReader(f)]

    diff = np.abs(np.array(got) - np.array(want))
    both_inf = np.isinf(np.array(got)) & np.isinf(np.array(want))
    ok = (diff <= 1.0) | both_inf
    print(f"origins: {len(origins)}; within 1 m: {ok.mean() * 100:.2f} %; within 0.01 m: "
          f"{((diff <= 0.01) | both_inf).mean() * 100:.2f} %; max diff: {np.nanmax(np.where(both_inf, 0, diff)):.3f} m; "
          f"median distance {np.median(want):.1f} m")
    for i in np.argsort(-np.where(both_inf, 0, diff))[:3]:
        print(f"  largest differences: origin {i} {origins[i]}: spielraum {got[i]:.3f} vs python {want[i]:.3f}")
    sys.exit(0 if ok.mean() >= 0.99 else 1)


if __name__ == "__main__":
    main()
