#!/usr/bin/env python3
"""A reproducible Berlin-like synthetic city for the city-scale benchmark (issue 15).

Install: python3 -m venv WORK/venv && WORK/venv/bin/pip install numpy scipy
         apt-get install -y osmium-tool          (converts the OPL text to PBF)
Run:     WORK/venv/bin/python bench/city/generate.py --size berlin|heidelberg|small [--seed 15] --out DIR

Writes into DIR:
  city.osm.pbf     the OpenStreetMap extract (OPL text piped through `osmium cat`; ids and file sorted)
  population.csv   `lon,lat,residents`: one point per residential building, totals as the preset
  areas.geojson    planning areas (Voronoi cells tiling the city's box) with `id` and `name`,
                   for `spielraum import --boundaries`
  sites.geojson    candidate sites for `spielraum suggest --candidates` (polygons and points)
  manifest.json    the preset, seed, bbox, counts of everything and a SHA-256 of every file

The city: a perturbed street grid of irregular blocks (warped, jittered, some segments dropped
for dead ends or turned into footways, cul-de-sacs, diagonal avenues), main roads every ~1 km,
a river with a few bridges and riverside paths, a railway crossed at level crossings, lakes,
forest with tracks, industrial zones, a motorway and a trunk road closed to pedestrians, parks
with paths through them, plazas (`highway=pedestrian`, `area=yes`), buildings along the block
edges (denser towards the centre), and the facility kinds Spielraum counts: playgrounds (areas
and nodes, some private), parks (some as multipolygons with a pond), pitches, schools,
kindergartens, gardens, recreation grounds, village greens, commons.
Same size and seed -> byte-identical files (with the same numpy and osmium-tool versions).
"""
import argparse
import functools
import hashlib
import json
import math
import os
import re
import resource
import subprocess
import sys
import time

import numpy as np
from scipy.spatial import Voronoi

VERSION = 1
LON0, LAT0 = 13.4, 52.5
R = 6_371_008.8
M_PER_DEG_LAT = R * math.pi / 180
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))
TIMESTAMP = "2025-06-01T00:00:00Z"

# walk_nodes: target of nodes on walkable ways; buildings: residential buildings = population
# points; others: facilities other than playgrounds (parks, pitches, schools, kindergartens, ...).
PRESETS = {
    "small": dict(walk_nodes=10_000, buildings=8_000, residents=24_000, playgrounds=30, others=50,
                  areas=6, sites=500, bridges=2, diagonals=1, lakes=0, industrial=1, plazas=1),
    "heidelberg": dict(walk_nodes=166_000, buildings=200_000, residents=560_000, playgrounds=450,
                       others=700, areas=30, sites=5000, bridges=5, diagonals=2, lakes=2,
                       industrial=4, plazas=4),
    "berlin": dict(walk_nodes=1_000_000, buildings=380_000, residents=3_700_000, playgrounds=1800,
                   others=3000, areas=542, sites=5000, bridges=14, diagonals=5, lakes=6,
                   industrial=10, plazas=12),
}
# Walkable nodes per grid cell (calibrated on the generated cities: streets with a node every
# STEP metres, park paths, cul-de-sacs, riverside paths).
NODES_PER_CELL = 9.2
STEP = 20.0
MEAN_DX, MEAN_DY = 112.0, 92.0
ASPECT = 1.3

# Segment classes.
(NONE, RES, TERT, SEC, PRI, TRUNK, FOOT, CYCLE, CONSTR, LIVING, PED, UNCL, TRACK, PATH, RAIL,
 SERVICE, STEPS) = range(17)
HIGHWAY = {RES: "residential", TERT: "tertiary", SEC: "secondary", PRI: "primary", TRUNK: "trunk",
           FOOT: "footway", CYCLE: "cycleway", CONSTR: "construction", LIVING: "living_street",
           PED: "pedestrian", UNCL: "unclassified", TRACK: "track", PATH: "path",
           SERVICE: "service", STEPS: "steps"}
NAMED = {RES, TERT, SEC, PRI, TRUNK, LIVING, PED, UNCL}
# Cell (block) uses.
(C_WATER, C_RES, C_FOREST, C_IND, C_COMM, C_PARK, C_SCHOOL, C_REC, C_PLAZA, C_GRASS, C_CEM,
 C_ALLOT, C_BROWN) = range(13)

STEMS = ["Linden", "Eichen", "Birken", "Ahorn", "Buchen", "Kastanien", "Erlen", "Eschen", "Ulmen",
         "Pappel", "Weiden", "Tannen", "Fichten", "Kiefern", "Holunder", "Rosen", "Tulpen",
         "Nelken", "Flieder", "Veilchen", "Lilien", "Astern", "Dahlien", "Mohn", "Kornblumen",
         "Lerchen", "Amsel", "Drossel", "Finken", "Meisen", "Schwalben", "Falken", "Reiher",
         "Kranich", "Storchen", "Biber", "Otter", "Dachs", "Fuchs", "Hasen", "Hirsch", "Wiesen",
         "Feld", "Wald", "Heide", "Moor", "Bach", "Quell", "Brunnen", "Mühlen", "Schmiede",
         "Garten", "Anger", "Hof", "Kirch", "Schul", "Markt", "Burg", "Tor", "Sonnen", "Mond",
         "Stern", "Regen", "Winter", "Sommer", "Herbst", "Frühlings", "Morgen", "Abend", "Berg"]
STREET_SUFFIX = ["straße", "weg", "allee", "ring", "damm", "gasse", "pfad", "steig", "zeile",
                 "chaussee"]
TOWNS = ["Frankfurter", "Potsdamer", "Leipziger", "Dresdner", "Hamburger", "Stettiner",
         "Prenzlauer", "Oranienburger", "Spandauer", "Köpenicker", "Treptower", "Neuköllner",
         "Schönhauser", "Landsberger", "Greifswalder", "Müllerstraßen", "Brandenburger",
         "Teltower", "Rostocker", "Magdeburger", "Cottbuser", "Görlitzer", "Hallesche",
         "Kremmener", "Bernauer", "Strausberger", "Zossener", "Nauener"]
MAIN_SUFFIX = [" Straße", " Allee", " Damm", " Chaussee", " Landstraße"]
AREA_SUFFIX = ["hof", "feld", "au", "berg", "dorf", "heide", "grund", "tal", "weide", "hain"]
PERSONS = ["Goethe", "Schiller", "Humboldt", "Lessing", "Heine", "Kleist", "Fontane", "Brecht",
           "Kollwitz", "Zille", "Einstein", "Curie", "Noether", "Luxemburg", "Lilienthal",
           "Virchow", "Koch", "Planck", "Meitner", "Arendt", "Dürer", "Bach", "Händel", "Mendelssohn"]


def log(msg, t0=[time.perf_counter()]):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"[{time.perf_counter() - t0[0]:6.2f} s, {rss:5d} MiB] {msg}", file=sys.stderr, flush=True)


UNSAFE = re.compile(r"[^\x21-\x7e]|[,=@%]")


@functools.lru_cache(maxsize=None)
def esc(s):
    """OPL escaping: space, comma, equals, at, percent, non-ASCII and control characters."""
    return UNSAFE.sub(lambda m: f"%{ord(m.group()):x}%", s)


def tagstr(tags):
    return " T" + ",".join(f"{esc(k)}={esc(v)}" for k, v in tags) if tags else ""


class Osm:
    """Nodes, ways and relations with ids given in creation order (so the file comes out sorted)."""

    def __init__(self):
        self.xs, self.ys = [], []
        self.n = 0
        self.node_tags = {}
        self.ways = []      # (refs, tag string, walkable)
        self.rels = []      # (members, tag string)

    def nodes(self, x, y):
        x = np.asarray(x, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        ids = np.arange(self.n + 1, self.n + 1 + len(x), dtype=np.int64)
        self.xs.append(x)
        self.ys.append(y)
        self.n += len(x)
        return ids

    def node(self, x, y, tags=None):
        i = int(self.nodes([x], [y])[0])
        if tags:
            self.node_tags[i] = tagstr(tags)
        return i

    def tag(self, node_id, tags):
        self.node_tags[int(node_id)] = tagstr(tags)

    def way(self, refs, tags, walkable=False):
        self.ways.append((refs, tagstr(tags), walkable))
        return len(self.ways)

    def relation(self, members, tags):
        self.rels.append((",".join(f"w{w}@{role}" for w, role in members), tagstr(tags)))
        return len(self.rels)

    def ring(self, x, y, tags, walkable=False):
        """A closed way through new nodes at (x, y) (open ring given)."""
        ids = self.nodes(x, y)
        return self.way([*ids.tolist(), int(ids[0])], tags, walkable)

    def lonlat(self):
        x = np.concatenate(self.xs)
        y = np.concatenate(self.ys)
        return LON0 + x / M_PER_DEG_LON, LAT0 + y / M_PER_DEG_LAT

    def write_pbf(self, path, rng):
        """Pipes the OPL text through `osmium cat`. Every object carries metadata as in a real
        extract (version, changeset, timestamp, user), drawn from a pool of changesets."""
        cmd = ["osmium", "cat", "-F", "opl", "-", "-o", path, "-f", "pbf", "--overwrite",
               f"--output-header=osmosis_replication_timestamp={TIMESTAMP}"]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        lon, lat = self.lonlat()
        users = [f"mapper{k}" for k in range(1, 801)]
        start = 1_262_304_000  # 2010-01-01
        span = 1_748_736_000 - start  # until 2025-06-01
        changesets = []
        for k in range(20_000):
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                               time.gmtime(start + int(span * (k + rng.random()) / 20_000)))
            u = int(rng.integers(len(users)))
            changesets.append(f" dV c{1_000_000 + 7 * k} t{ts} i{1000 + u} u{users[u]}")

        def meta(n):
            version = 1 + rng.geometric(0.45, n)
            cs = rng.integers(len(changesets), size=n)
            return [f" v{v}{changesets[k]}" for v, k in zip(version.tolist(), cs.tolist())]

        chunk = 200_000
        tags = self.node_tags
        for s in range(0, self.n, chunk):
            e = min(self.n, s + chunk)
            lines = [f"n{i}{m} x{a:.7f} y{b:.7f}{tags.get(i, '')}\n"
                     for i, m, a, b in zip(range(s + 1, e + 1), meta(e - s), lon[s:e].tolist(),
                                           lat[s:e].tolist())]
            proc.stdin.write("".join(lines).encode())
        for s in range(0, len(self.ways), chunk):
            part = self.ways[s:s + chunk]
            lines = [f"w{k}{m} N{','.join(f'n{r}' for r in refs)}{t}\n"
                     for k, m, (refs, t, _) in zip(range(s + 1, s + 1 + len(part)), meta(len(part)),
                                                   part)]
            proc.stdin.write("".join(lines).encode())
        lines = [f"r{k}{m} M{mem}{t}\n" for k, m, (mem, t) in
                 zip(range(1, len(self.rels) + 1), meta(len(self.rels)), self.rels)]
        proc.stdin.write("".join(lines).encode())
        proc.stdin.close()
        if proc.wait() != 0:
            sys.exit("osmium cat failed")

    def walkable_node_count(self):
        refs = [np.asarray(r, dtype=np.int64) for r, _, w in self.ways if w]
        return int(len(np.unique(np.concatenate(refs)))) if refs else 0


class Names:
    def __init__(self, rng):
        self.rng = rng

    def street(self):
        r = self.rng
        if r.random() < 0.15:
            return f"{PERSONS[r.integers(len(PERSONS))]}{STREET_SUFFIX[r.integers(4)]}"
        return f"{STEMS[r.integers(len(STEMS))]}{STREET_SUFFIX[r.integers(len(STREET_SUFFIX))]}"

    def main_road(self):
        r = self.rng
        return f"{TOWNS[r.integers(len(TOWNS))]}{MAIN_SUFFIX[r.integers(len(MAIN_SUFFIX))]}"

    def pick(self, items):
        return items[self.rng.integers(len(items))]


def inset_quads(c, d):
    """Quadrilaterals (n, 4, 2), counter-clockwise, moved inwards by d metres on every side."""
    e = np.roll(c, -1, axis=1) - c
    u = e / np.linalg.norm(e, axis=2, keepdims=True)
    nrm = np.stack([-u[..., 1], u[..., 0]], axis=-1)
    p = c + d * nrm
    p1, u1 = np.roll(p, 1, axis=1), np.roll(u, 1, axis=1)
    dp = p - p1
    cross = u1[..., 0] * u[..., 1] - u1[..., 1] * u[..., 0]
    s = (dp[..., 0] * u[..., 1] - dp[..., 1] * u[..., 0]) / cross
    return p1 + s[..., None] * u1


def rects(cx, cy, ux, uy, a, b):
    """Rectangles centred at (cx, cy), half-sizes a along (ux, uy) and b across: (n, 4, 2), CCW."""
    vx, vy = -uy, ux
    sa = np.array([-1, 1, 1, -1])
    sb = np.array([-1, -1, 1, 1])
    x = cx[:, None] + sa * (a * ux)[:, None] + sb * (b * vx)[:, None]
    y = cy[:, None] + sa * (a * uy)[:, None] + sb * (b * vy)[:, None]
    return np.stack([x, y], axis=-1)


def allocate(total, weights):
    """Integers proportional to weights summing exactly to total (largest remainder, stable)."""
    w = np.asarray(weights, dtype=float)
    share = total * w / w.sum()
    base = np.floor(share).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        order = np.argsort(-(share - base), kind="stable")
        base[order[:rest]] += 1
    return base


def densify(x0, y0, x1, y1, step=STEP):
    """Inner points of a straight piece, about `step` apart."""
    m = max(1, int(round(math.hypot(x1 - x0, y1 - y0) / step)))
    f = np.arange(1, m) / m
    return x0 + f * (x1 - x0), y0 + f * (y1 - y0)


def seg_dist(px, py, ax, ay, bx, by):
    """Distance from a point to a segment (plane metres)."""
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    t = 0.0 if l2 == 0 else min(1.0, max(0.0, ((px - ax) * dx + (py - ay) * dy) / l2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def generate(cfg, seed, out):
    rng = np.random.default_rng(seed)
    names = Names(rng)
    osm = Osm()
    counts = {}

    # --- the grid -------------------------------------------------------------------------
    n_cells = cfg["walk_nodes"] / NODES_PER_CELL
    nx = max(10, int(round(math.sqrt(n_cells * ASPECT * MEAN_DY / MEAN_DX))))
    ny = max(10, int(round(n_cells / nx)))
    xs = np.concatenate([[0.0], np.cumsum(rng.uniform(75, 150, nx - 1))])
    ys = np.concatenate([[0.0], np.cumsum(rng.uniform(60, 125, ny - 1))])
    xs -= xs[-1] / 2
    ys -= ys[-1] / 2
    W, H = xs[-1] - xs[0], ys[-1] - ys[0]
    XX, YY = np.meshgrid(xs, ys, indexing="ij")
    ph = rng.uniform(0, 2 * math.pi, 8)
    X = (XX + 70 * np.sin(2 * np.pi * YY / 3300 + ph[0]) + 35 * np.sin(2 * np.pi * YY / 1300 + ph[1])
         + rng.uniform(-7, 7, XX.shape))
    Y = (YY + 55 * np.sin(2 * np.pi * XX / 2900 + ph[2]) + 30 * np.sin(2 * np.pi * XX / 1100 + ph[3])
         + rng.uniform(-7, 7, XX.shape))
    rho = np.hypot(X / (W / 2), Y / (H / 2))
    log(f"grid {nx} x {ny} intersections, {W / 1000:.1f} x {H / 1000:.1f} km")

    # River (west to east), lakes, forest, industrial zones.
    hw = 45.0 if W > 20_000 else 35.0

    def river_y(x):
        return (0.08 * H + 0.07 * H * np.sin(2 * np.pi * x / (0.8 * W) + ph[4])
                + 0.02 * H * np.sin(2 * np.pi * x / (0.27 * W) + ph[5]))

    side = np.sign(Y - river_y(X))
    alive = np.abs(Y - river_y(X)) >= hw + 12
    lakes = []
    for _ in range(cfg["lakes"]):
        for _try in range(50):
            ang = rng.uniform(0, 2 * math.pi)
            rr = rng.uniform(0.75, 0.92)
            lx, ly = rr * W / 2 * math.cos(ang), rr * H / 2 * math.sin(ang)
            ra, rb = rng.uniform(0.012, 0.03) * W, rng.uniform(0.012, 0.03) * H
            if abs(ly - float(river_y(np.array(lx)))) > rb + 3 * hw:
                break
        lakes.append((lx, ly, ra, rb))
        alive &= ((X - lx) / (ra + 15)) ** 2 + ((Y - ly) / (rb + 15)) ** 2 > 1
    noise = np.sin(2 * np.pi * X / (0.3 * W) + ph[6]) * np.cos(2 * np.pi * Y / (0.35 * H) + ph[7])
    forest = (rho > 0.8) & (noise > 0.3)
    discs = []
    for _ in range(cfg["industrial"]):
        ang, rr = rng.uniform(0, 2 * math.pi), rng.uniform(0.3, 0.7)
        discs.append((rr * W / 2 * math.cos(ang), rr * H / 2 * math.sin(ang), 0.05 * min(W, H)))

    def industrial(x, y):
        m = np.zeros(np.shape(x), dtype=bool)
        for dx, dy, dr in discs:
            m |= np.hypot(x - dx, y - dy) < dr
        return m

    # --- street segments ------------------------------------------------------------------
    def line_class(k, offset):
        k = (k + offset) % 9
        return PRI if k == 4 else SEC if k == 0 else TERT if k == 7 else RES

    Hc = np.array([[line_class(j, 0) for j in range(ny)]] * (nx - 1), dtype=np.int8)
    Vc = np.array([[line_class(i, 3)] * (ny - 1) for i in range(nx)], dtype=np.int8)
    col_class = [line_class(i, 3) for i in range(nx)]
    both_h = alive[:-1, :] & alive[1:, :] & (side[:-1, :] == side[1:, :])
    both_v = alive[:, :-1] & alive[:, 1:] & (side[:, :-1] == side[:, 1:])
    Hc[~both_h] = NONE
    Vc[~both_v] = NONE
    # Railway along one row, crossed only at some columns (level crossings).
    jr = int(0.3 * ny)
    Hc[:, jr] = np.where(both_h[:, jr], RAIL, NONE)
    crossing_cols = [i for i in range(nx) if i % 6 == 0 or col_class[i] == PRI]
    for i in range(nx):
        if i not in crossing_cols:
            Vc[i, jr - 1] = NONE
            Vc[i, jr] = NONE
    # Forest: tracks and paths.
    fh = forest[:-1, :] & forest[1:, :]
    fv = forest[:, :-1] & forest[:, 1:]
    for c, f in ((Hc, fh), (Vc, fv)):
        u = rng.random(c.shape)
        m = f & (c != NONE) & (c != RAIL)
        c[m & (u < 0.6)] = TRACK
        c[m & (u >= 0.6) & (u < 0.85)] = PATH
        c[m & (u >= 0.85)] = NONE
    # One radial trunk road, closed to pedestrians outside the inner city.
    i_trunk = next(i for i in range(nx) if col_class[i] == PRI and xs[i] > -0.15 * W)
    outer = rho[i_trunk, :-1] > 0.55
    Vc[i_trunk][outer & (Vc[i_trunk] == PRI)] = TRUNK
    # Ordinary streets: dropped (dead ends), footways, cycleways, construction, living streets,
    # a pedestrian centre, unclassified roads in industrial zones.
    for c, (ax, ay, bx, by) in ((Hc, (X[:-1, :], Y[:-1, :], X[1:, :], Y[1:, :])),
                                (Vc, (X[:, :-1], Y[:, :-1], X[:, 1:], Y[:, 1:]))):
        u = rng.random(c.shape)
        res = c == RES
        mx_, my_ = (ax + bx) / 2, (ay + by) / 2
        c[res & (u < 0.035)] = NONE
        c[res & (u >= 0.035) & (u < 0.06)] = FOOT
        c[res & (u >= 0.06) & (u < 0.07)] = CYCLE
        c[res & (u >= 0.07) & (u < 0.075)] = CONSTR
        c[res & (u >= 0.075) & (u < 0.095)] = LIVING
        centre = res & (np.hypot(mx_, my_) < 700) & (rng.random(c.shape) < 0.5)
        c[centre] = PED
        c[(c == RES) & industrial(mx_, my_)] = UNCL

    # Diagonal avenues through intersections; the blocks they cut become green.
    cell_ok = (alive[:-1, :-1] & alive[1:, :-1] & alive[1:, 1:] & alive[:-1, 1:]
               & (side[:-1, :-1] == side[1:, :-1]) & (side[:-1, :-1] == side[1:, 1:])
               & (side[:-1, :-1] == side[:-1, 1:]))
    diag_cells = np.zeros_like(cell_ok)
    diagonals = []
    for _ in range(cfg["diagonals"]):
        i, j = int(rng.integers(2, nx // 3)), int(rng.integers(2, ny - 2))
        dj = 1 if j < ny // 2 else -1
        path = [(i, j)]
        while len(path) < 45:
            ni, nj = i + 1, j + dj
            cj = j if dj == 1 else j - 1
            if not (0 <= ni < nx and 0 <= nj < ny) or not cell_ok[i, cj] or jr in (j, nj) \
                    or diag_cells[i, cj]:
                break
            diag_cells[i, cj] = True
            i, j = ni, nj
            path.append((i, j))
        if len(path) >= 4:
            diagonals.append(path)
        else:
            for (a, b), (c_, d) in zip(path, path[1:]):
                diag_cells[a, min(b, d)] = False

    # Bridges: a few columns keep a way over the river.
    bridges = []
    for t in np.linspace(0.06, 0.94, cfg["bridges"]):
        i = int(round(t * (nx - 1)))
        main = [k for k in range(max(1, i - 4), min(nx - 1, i + 5)) if col_class[k] in (PRI, SEC)]
        if main:
            i = min(main, key=lambda k: abs(k - i))
        south = [j for j in range(ny) if alive[i, j] and side[i, j] < 0]
        north = [j for j in range(ny) if alive[i, j] and side[i, j] > 0]
        if not south or not north:
            continue
        js = max(j for j in south if j < min(north)) if any(j < min(north) for j in south) else None
        if js is None:
            continue
        jn = min(north)
        if Y[i, jn] - Y[i, js] < 400 and (i, js, jn) not in bridges:
            bridges.append((i, js, jn))

    # Which intersections carry a way: they get ids first.
    used = np.zeros((nx, ny), dtype=bool)
    used[:-1, :] |= Hc != NONE
    used[1:, :] |= Hc != NONE
    used[:, :-1] |= Vc != NONE
    used[:, 1:] |= Vc != NONE
    for path in diagonals:
        for i, j in path:
            used[i, j] = True
    for i, js, jn in bridges:
        used[i, js] = used[i, jn] = True
    ids = np.zeros((nx, ny), dtype=np.int64)
    ui = np.nonzero(used.ravel())[0]
    ids.ravel()[ui] = osm.nodes(X.ravel()[ui], Y.ravel()[ui])

    # All straight pieces: grid (H, V), diagonals, bridges; inner nodes every STEP metres.
    seg_a, seg_b, seg_cls = [], [], []
    hi, hj = np.nonzero(Hc != NONE)
    seg_a.append(np.stack([hi, hj], 1))
    seg_b.append(np.stack([hi + 1, hj], 1))
    seg_cls.append(Hc[hi, hj])
    vi, vj = np.nonzero(Vc != NONE)
    seg_a.append(np.stack([vi, vj], 1))
    seg_b.append(np.stack([vi, vj + 1], 1))
    seg_cls.append(Vc[vi, vj])
    dseg = [(p, q) for path in diagonals for p, q in zip(path, path[1:])]
    bseg = [((i, js), (i, jn)) for i, js, jn in bridges]
    for extra, cls in ((dseg, SEC), (bseg, -1)):
        if extra:
            seg_a.append(np.array([p for p, _ in extra]))
            seg_b.append(np.array([q for _, q in extra]))
            seg_cls.append(np.array([cls if cls >= 0 else max(col_class[p[0]], RES)
                                     for p, _ in extra], dtype=np.int8))
    A = np.concatenate(seg_a)
    B = np.concatenate(seg_b)
    S_cls = np.concatenate(seg_cls).astype(np.int8)
    n_h, n_v = len(hi), len(vi)
    ax, ay = X[A[:, 0], A[:, 1]], Y[A[:, 0], A[:, 1]]
    bx, by = X[B[:, 0], B[:, 1]], Y[B[:, 0], B[:, 1]]
    step = np.where(S_cls == RAIL, 60.0, STEP)
    m = np.maximum(1, np.rint(np.hypot(bx - ax, by - ay) / step)).astype(np.int64)
    inner = m - 1
    rep = np.repeat(np.arange(len(m)), inner)
    k = np.arange(inner.sum()) - np.repeat(np.cumsum(inner) - inner, inner) + 1
    f = k / m[rep]
    first_inner = osm.nodes(ax[rep] + f * (bx - ax)[rep], ay[rep] + f * (by - ay)[rep])
    first = np.zeros(len(m), dtype=np.int64)
    if len(first_inner):
        first = first_inner[0] + np.cumsum(inner) - inner
    a_id = ids[A[:, 0], A[:, 1]]
    b_id = ids[B[:, 0], B[:, 1]]
    h_index = -np.ones((nx - 1, ny), dtype=np.int64)
    h_index[hi, hj] = np.arange(n_h)
    v_index = -np.ones((nx, ny - 1), dtype=np.int64)
    v_index[vi, vj] = n_h + np.arange(n_v)

    def seg_refs(s):
        return [int(a_id[s]), *range(int(first[s]), int(first[s] + inner[s])), int(b_id[s])]

    def mid_node(s):
        """The middle inner node of segment s (or None)."""
        if s < 0 or inner[s] < 1:
            return None
        return int(first[s] + inner[s] // 2)

    def mid_xy(s):
        """Where segment s's middle inner node lies, and its parameter along the segment."""
        t = (inner[s] // 2 + 1) / m[s]
        return ax[s] + t * (bx[s] - ax[s]), ay[s] + t * (by[s] - ay[s]), t

    log(f"{len(m)} street segments, {osm.n} nodes so far")

    # Ways along every grid line: runs of one class, cut into OSM-sized pieces, named per run.
    def emit_line(segs, classes):
        run = []
        for s, c in list(zip(segs, classes)) + [(None, NONE)]:
            if run and (c != run[-1][1] or s is None):
                emit_run(run)
                run = []
            if s is not None and c != NONE:
                run.append((s, c))

    seg_name = [None] * len(m)

    def emit_run(run):
        c = run[0][1]
        name = None
        if c in (PRI, TRUNK, SEC):
            name = names.main_road()
        elif c in NAMED:
            name = names.street()
        pos = 0
        while pos < len(run):
            size = 1 if c in (FOOT, CYCLE, CONSTR, STEPS) else int(rng.integers(3, 11))
            piece = run[pos:pos + size]
            pos += size
            if pos > 12 and c in NAMED and rng.random() < 0.3:
                name = names.main_road() if c in (PRI, TRUNK, SEC) else names.street()
            refs = seg_refs(piece[0][0])
            for s, _ in piece[1:]:
                refs += seg_refs(s)[1:]
            way_for_class(refs, c, name)
            if c in NAMED:
                for s, _ in piece:
                    seg_name[s] = name
            if c in (PRI, SEC):
                for s, _ in piece:
                    if inner[s] >= 2:
                        for node in (first[s], first[s] + inner[s] - 1):
                            if rng.random() < 0.35:
                                kind = names.pick(["traffic_signals", "uncontrolled", "zebra"])
                                osm.tag(node, [("crossing", kind), ("highway", "crossing")])

    def way_for_class(refs, c, name):
        if c == RAIL:
            osm.way(refs, [("name", "Ringbahn"), ("railway", "rail")])
            return
        tags = [("highway", HIGHWAY[c])]
        walkable = c != CONSTR
        if c == CONSTR:
            tags.append(("construction", "residential"))
        if c == TRUNK:
            tags.append(("foot", "no"))
            walkable = False
        if c == PRI:
            tags.append(("sidewalk", "both"))
        if c == FOOT:
            u = rng.random()
            if u < 0.1:
                tags += [("access", "private"), ("foot", "yes")]
            elif u < 0.15:
                tags.append(("foot", "private"))
                walkable = False
        if name and c in NAMED:
            tags.append(("name", name))
        osm.way(refs, sorted(tags), walkable)

    for j in range(ny):
        segs = [int(h_index[i, j]) if h_index[i, j] >= 0 else None for i in range(nx - 1)]
        emit_line(segs, [int(S_cls[s]) if s is not None else NONE for s in segs])
    for i in range(nx):
        segs = [int(v_index[i, j]) if v_index[i, j] >= 0 else None for j in range(ny - 1)]
        emit_line(segs, [int(S_cls[s]) if s is not None else NONE for s in segs])
    base = n_h + n_v
    for path_no, path in enumerate(diagonals):
        segs = list(range(base, base + len(path) - 1))
        base += len(path) - 1
        refs = seg_refs(segs[0])
        for s in segs[1:]:
            refs += seg_refs(s)[1:]
        osm.way(refs, [("highway", "secondary"), ("name", f"{names.pick(STEMS)}allee")], True)
    for s in range(base, base + len(bseg)):
        osm.way(seg_refs(s), sorted([("bridge", "yes"), ("highway", HIGHWAY[int(S_cls[s])]),
                                     ("layer", "1"), ("name", f"{names.pick(STEMS)}brücke")]), True)
    for i in crossing_cols:
        if used[i, jr] and (Vc[i, jr - 1] != NONE or Vc[i, jr] != NONE):
            osm.tag(ids[i, jr], [("railway", "level_crossing")])

    # Riverside paths on both banks, joined to the nearest street end in every second column.
    x0, x1 = X[0, :].max(), X[-1, :].min()
    rx = np.arange(x0, x1, STEP)
    for sgn in (-1, 1):
        ry = river_y(rx) + sgn * (hw + 6)
        pid = osm.nodes(rx, ry)
        for s in range(0, len(pid) - 1, 60):
            osm.way(pid[s:s + 61].tolist(), [("highway", "footway"), ("name", "Uferweg")], True)
        for i in range(0, nx, 2):
            col = [j for j in range(ny) if used[i, j] and np.sign(side[i, j]) == sgn]
            if not col:
                continue
            j = max(col) if sgn < 0 else min(col)
            k = int(np.argmin(np.abs(rx - X[i, j])))
            if math.hypot(rx[k] - X[i, j], ry[k] - Y[i, j]) > 90:
                continue
            ix, iy = densify(X[i, j], Y[i, j], rx[k], ry[k])
            refs = [int(ids[i, j]), *osm.nodes(ix, iy).tolist(), int(pid[k])]
            kind = "steps" if rng.random() < 0.25 else "footway"
            osm.way(refs, [("highway", kind)], True)

    # --- blocks ---------------------------------------------------------------------------
    C = np.stack([np.stack([X[:-1, :-1], Y[:-1, :-1]], -1), np.stack([X[1:, :-1], Y[1:, :-1]], -1),
                  np.stack([X[1:, 1:], Y[1:, 1:]], -1), np.stack([X[:-1, 1:], Y[:-1, 1:]], -1)],
                 axis=2)  # (nx-1, ny-1, 4, 2)
    cxm, cym = C[..., 0].mean(axis=2), C[..., 1].mean(axis=2)
    crho = np.hypot(cxm / (W / 2), cym / (H / 2))
    use = np.full(cxm.shape, C_RES, dtype=np.int8)
    use[~cell_ok] = C_WATER
    cnoise = (np.sin(2 * np.pi * cxm / (0.3 * W) + ph[6]) * np.cos(2 * np.pi * cym / (0.35 * H) + ph[7]))
    use[(use == C_RES) & (crho > 0.8) & (cnoise > 0.3)] = C_FOREST
    use[(use == C_RES) & industrial(cxm, cym)] = C_IND
    use[diag_cells & (use != C_WATER)] = C_GRASS
    others = cfg["others"]
    quota = {k: round(share * others) for k, share in (
        ("park", 0.22), ("school", 0.17), ("kindergarten", 0.33), ("pitch", 0.15),
        ("garden", 0.05), ("recreation", 0.04), ("village_green", 0.02))}
    quota["common"] = others - sum(quota.values())

    def pick_cells(mask, n):
        cand = np.flatnonzero(mask.ravel())
        n = min(n, len(cand))
        return cand[np.sort(rng.choice(len(cand), n, replace=False))] if n else cand[:0]

    central = (use == C_RES) & (crho < 0.25)
    use.ravel()[pick_cells(central, cfg["plazas"])] = C_PLAZA
    for u_, n in ((C_PARK, quota["park"]), (C_SCHOOL, quota["school"]),
                  (C_REC, quota["recreation"])):
        use.ravel()[pick_cells(use == C_RES, n)] = u_
    n_cells_all = use.size
    for u_, frac in ((C_COMM, 0.02), (C_CEM, 0.004), (C_ALLOT, 0.008), (C_BROWN, 0.004)):
        use.ravel()[pick_cells(use == C_RES, max(1, int(frac * n_cells_all)))] = u_
    counts["blocks"] = {name: int((use == u_).sum()) for name, u_ in (
        ("residential", C_RES), ("water", C_WATER), ("forest", C_FOREST), ("industrial", C_IND),
        ("commercial", C_COMM), ("park", C_PARK), ("school", C_SCHOOL), ("recreation", C_REC),
        ("plaza", C_PLAZA), ("grass", C_GRASS), ("cemetery", C_CEM), ("allotments", C_ALLOT),
        ("brownfield", C_BROWN))}

    # Cul-de-sacs from the middle of a block's south street into the block.
    res_cells = np.argwhere(use == C_RES)
    hmid = np.array([mid_node(int(h_index[i, j])) is not None
                     and S_cls[h_index[i, j]] in (RES, LIVING) for i, j in res_cells], dtype=bool)
    spur = np.zeros(use.shape, dtype=bool)
    sel = res_cells[hmid & (rng.random(len(res_cells)) < 0.06)]
    spur[sel[:, 0], sel[:, 1]] = True
    spur_t = {}
    for i, j in sel:
        s = int(h_index[i, j])
        node = mid_node(s)
        px, py, t = mid_xy(s)
        ex, ey = bx[s] - ax[s], by[s] - ay[s]
        ln = math.hypot(ex, ey)
        nxv, nyv = -ey / ln, ex / ln
        depth = 0.45 * math.hypot(C[i, j, 3, 0] - C[i, j, 0, 0], C[i, j, 3, 1] - C[i, j, 0, 1])
        ix, iy = densify(px, py, px + depth * nxv, py + depth * nyv)
        end = osm.nodes([px + depth * nxv], [py + depth * nyv])
        refs = [node, *osm.nodes(ix, iy).tolist(), int(end[0])]
        u = rng.random()
        tags = [("highway", "service")]
        walkable = True
        if u < 0.4:
            tags = [("access", "private"), ("highway", "service")]
            walkable = False
        elif u < 0.6:
            tags = [("access", "destination"), ("highway", "service")]
        elif u < 0.8:
            tags = [("highway", "residential"), ("name", names.street())]
        osm.way(refs, tags, walkable)
        spur_t[(int(i), int(j))] = t

    # Residential buildings along the block edges (denser and taller towards the centre).
    cls_params = [  # frontage m, depth m, levels (lo, hi), building values
        (24.0, 13.0, (5, 6), ["apartments"]),
        (20.0, 12.0, (3, 4), ["apartments", "residential"]),
        (13.0, 9.0, (1, 2), ["house", "detached", "semidetached_house"]),
    ]
    inset = 7.0
    dens = np.where(crho < 0.35, 0, np.where(crho < 0.7, 1, 2))
    ci, cj, sk, P, Q = [], [], [], [], []
    for k in range(4):
        ci.append(res_cells[:, 0])
        cj.append(res_cells[:, 1])
        sk.append(np.full(len(res_cells), k))
        P.append(C[res_cells[:, 0], res_cells[:, 1], k])
        Q.append(C[res_cells[:, 0], res_cells[:, 1], (k + 1) % 4])
    ci, cj, sk = np.concatenate(ci), np.concatenate(cj), np.concatenate(sk)
    P, Q = np.concatenate(P), np.concatenate(Q)
    dcls = dens[ci, cj]
    front = np.array([p[0] for p in cls_params])[dcls]
    depth = np.array([p[1] for p in cls_params])[dcls]
    E = Q - P
    L = np.hypot(E[:, 0], E[:, 1])
    U = E / L[:, None]
    N = np.stack([-U[:, 1], U[:, 0]], 1)
    t0 = (inset + depth + 2) / L
    t1 = 1 - t0
    te0 = np.full(len(L), np.nan)
    te1 = np.full(len(L), np.nan)
    for n_ in np.flatnonzero((sk == 0) & spur[ci, cj]):
        t = spur_t[(int(ci[n_]), int(cj[n_]))]
        g = (6 + front[n_] / 2) / L[n_]
        te0[n_], te1[n_] = t - g, t + g
    usable = np.clip(t1 - t0, 0, None)
    cut = ~np.isnan(te0)
    usable[cut] = np.clip(te0[cut] - t0[cut], 0, None) + np.clip(t1[cut] - te1[cut], 0, None)
    cap = usable * L / front
    nb = allocate(cfg["buildings"], cap)
    bs = np.repeat(np.arange(len(nb)), nb)
    kk = np.arange(nb.sum()) - np.repeat(np.cumsum(nb) - nb, nb)
    uu = (kk + 0.5) / nb[bs]
    v = uu * usable[bs]
    first_len = np.where(cut[bs], np.clip(te0[bs] - t0[bs], 0, None), np.inf)
    tt = np.where(v < first_len, t0[bs] + v, te1[bs] + (v - first_len))
    spacing = usable[bs] * L[bs] / nb[bs]
    bw = np.minimum(front[bs] * 0.85, spacing * 0.8)
    bd = depth[bs]
    bcx = P[bs, 0] + tt * E[bs, 0] + N[bs, 0] * (inset + bd / 2)
    bcy = P[bs, 1] + tt * E[bs, 1] + N[bs, 1] * (inset + bd / 2)
    corners = rects(bcx, bcy, U[bs, 0], U[bs, 1], bw / 2, bd / 2)
    bids = osm.nodes(corners[..., 0], corners[..., 1]).reshape(-1, 4)
    bcls = dcls[bs]
    lo = np.array([p[2][0] for p in cls_params])[bcls]
    hi_ = np.array([p[2][1] for p in cls_params])[bcls]
    levels = lo + (rng.random(len(bs)) * (hi_ - lo + 1)).astype(int)
    has_levels = rng.random(len(bs)) < 0.75
    n_kinds = np.array([len(p[3]) for p in cls_params])[bcls]
    kind_no = (rng.random(len(bs)) * n_kinds).astype(int)
    kinds = [cls_params[c][3][k] for c, k in zip(bcls.tolist(), kind_no.tolist())]
    # Addresses (as most buildings in a German city have): the street of the block side.
    side_seg = np.select([sk == 0, sk == 1, sk == 2],
                         [h_index[ci, cj], v_index[np.minimum(ci + 1, nx - 1), cj],
                          h_index[ci, np.minimum(cj + 1, ny - 1)]], v_index[ci, cj])
    postcode = (10115 + 100 * ((bcx - X.min()) // 2500) + 7 * ((bcy - Y.min()) // 2500)).astype(int)
    house_no = {}
    for kind, lv, has, seg, pc, r in zip(kinds, levels.tolist(), has_levels.tolist(),
                                         side_seg[bs].tolist(), postcode.tolist(), bids.tolist()):
        tags = [("building", kind)]
        if has:
            tags.append(("building:levels", str(lv)))
        street = seg_name[seg] if seg >= 0 else None
        if street:
            no = house_no.get(street, 0) + 1
            house_no[street] = no
            tags = [("addr:city", "Spielstadt"), ("addr:housenumber", str(no)),
                    ("addr:postcode", str(pc)), ("addr:street", street)] + tags
        osm.way([r[0], r[1], r[2], r[3], r[0]], tags)
    residents = 1 + allocate(cfg["residents"] - len(bs), bw * bd * levels)
    pop_lon = LON0 + bcx / M_PER_DEG_LON
    pop_lat = LAT0 + bcy / M_PER_DEG_LAT
    log(f"{len(bs)} residential buildings, {int(residents.sum())} residents")

    # Landuse polygons per block.
    landuse_of = {C_RES: [("landuse", "residential")], C_FOREST: [("landuse", "forest")],
                  C_IND: [("landuse", "industrial")], C_COMM: [("landuse", "commercial")],
                  C_CEM: [("landuse", "cemetery")], C_ALLOT: [("landuse", "allotments")],
                  C_GRASS: [("landuse", "grass")], C_BROWN: [("landuse", "brownfield")]}
    for u_, tags in landuse_of.items():
        cells = np.argwhere(use == u_)
        if not len(cells):
            continue
        q = inset_quads(C[cells[:, 0], cells[:, 1]], 4.0)
        nid = osm.nodes(q[..., 0], q[..., 1]).reshape(-1, 4)
        for r in nid.tolist():
            osm.way([*r, r[0]], tags)
    # Non-residential buildings: industrial halls, shops.
    extra_buildings = 0
    for u_, value, size in ((C_IND, "industrial", (25, 18)), (C_COMM, "retail", (20, 14))):
        cells = np.argwhere(use == u_)
        for i, j in cells:
            c = C[i, j]
            ex, ey = c[1] - c[0]
            ln = math.hypot(ex, ey)
            for off in (-0.2, 0.2):
                px = cxm[i, j] + off * ex
                py = cym[i, j] + off * ey
                q = rects(np.array([px]), np.array([py]), np.array([ex / ln]), np.array([ey / ln]),
                          np.array([size[0] * 0.6]), np.array([size[1]]))[0]
                osm.ring(q[:, 0], q[:, 1], [("building", value)])
                extra_buildings += 1

    # --- facilities -------------------------------------------------------------------------
    fac = {k: 0 for k in ("playground", "playground_private", "park", "park_multipolygon",
                          "park_private", "school", "school_private", "kindergarten",
                          "kindergarten_private", "pitch", "pitch_private", "garden",
                          "garden_private", "recreation_ground", "village_green", "common")}
    point_facilities = 0

    def cell_frame(i, j):
        c = C[i, j]
        ex, ey = c[1] - c[0]
        ln = math.hypot(ex, ey)
        return c, ex / ln, ey / ln

    def rect_way(cx, cy, ux, uy, a, b, tags):
        q = rects(np.array([cx]), np.array([cy]), np.array([ux]), np.array([uy]),
                  np.array([a]), np.array([b]))[0]
        return osm.ring(q[:, 0], q[:, 1], tags)

    # Parks: polygon (some a multipolygon with a pond), paths from the middle of every side to
    # the centre, quadrants for a playground, a pitch or the pond.
    park_cells = np.argwhere(use == C_PARK)
    n_mp = max(1, round(0.05 * len(park_cells))) if len(park_cells) else 0
    n_priv = round(0.03 * len(park_cells))
    slots = []  # (cx, cy, ux, uy, half-size, kind of place)
    for n_, (i, j) in enumerate(park_cells):
        c, ux, uy = cell_frame(i, j)
        q = inset_quads(c[None], 6.0)[0]
        name = f"{names.pick(STEMS)}park"
        ccx, ccy = cxm[i, j], cym[i, j]
        sides_ = [int(h_index[i, j]), int(v_index[i + 1, j]), int(h_index[i, j + 1]),
                  int(v_index[i, j])]
        arms = [s for s in sides_ if mid_node(s) is not None]
        pieces = [(q[k, 0], q[k, 1], q[(k + 1) % 4, 0], q[(k + 1) % 4, 1]) for k in range(4)]
        pieces += [(*mid_xy(s)[:2], ccx, ccy) for s in arms]
        # Each quadrant (between the paths, towards a corner) holds a square, or the pond, that
        # keeps clear of the park's outline and of the paths.
        quads = []
        for k in range(4):
            qx, qy = ccx + 0.5 * (q[k, 0] - ccx), ccy + 0.5 * (q[k, 1] - ccy)
            clear = min(seg_dist(qx, qy, *piece) for piece in pieces)
            quads.append((qx, qy, 0.45 * clear))
        if n_ < n_mp:
            outer = osm.ring(q[:, 0], q[:, 1], [])
            t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
            px, py, half = quads[2]
            pond = osm.ring(px + half * np.cos(t), py + 0.8 * half * np.sin(t),
                            [("natural", "water")])
            osm.relation([(outer, "outer"), (pond, "inner")],
                         [("leisure", "park"), ("name", name), ("type", "multipolygon")])
            fac["park_multipolygon"] += 1
            taken = {2}
        else:
            tags = [("leisure", "park"), ("name", name)]
            if n_ - n_mp < n_priv:
                tags = [("access", "private")] + tags
                fac["park_private"] += 1
            osm.ring(q[:, 0], q[:, 1], tags)
            taken = set()
        fac["park"] += 1
        if arms:
            centre = osm.node(ccx, ccy)
            for s in arms:
                mnode = mid_node(s)
                mx_, my_, _ = mid_xy(s)
                ix, iy = densify(mx_, my_, ccx, ccy)
                inner_ids = osm.nodes(ix, iy).tolist()
                if inner_ids and rng.random() < 0.2:
                    osm.tag(inner_ids[0], [("barrier", "gate")])
                osm.way([mnode, *inner_ids, centre],
                        [("highway", "footway" if rng.random() < 0.7 else "path")], True)
        for k in range(4):
            if k not in taken and quads[k][2] >= 5:
                slots.append((quads[k][0], quads[k][1], ux, uy, quads[k][2], "park"))

    # Courtyards of residential blocks (not those with a cul-de-sac).
    court = np.argwhere((use == C_RES) & ~spur)
    court = court[rng.permutation(len(court))]
    court_slots = []
    for i, j in court:
        c, ux, uy = cell_frame(i, j)
        wx = math.hypot(*(c[1] - c[0]))
        wy = math.hypot(*(c[3] - c[0]))
        d = cls_params[dens[i, j]][1]
        hx, hy = wx / 2 - inset - d - 4, wy / 2 - inset - d - 4
        if hx >= 8 and hy >= 8:
            court_slots.append((cxm[i, j], cym[i, j], ux, uy, min(hx, 30.0), min(hy, 22.0)))
    court_iter = iter(court_slots)

    def next_court():
        return next(court_iter)

    def court_rect(tags, min_half=6.0):
        cx, cy, ux, uy, hx, hy = next_court()
        a = rng.uniform(min_half, max(min_half, hx))
        b = rng.uniform(min_half, max(min_half, hy))
        rect_way(cx, cy, ux, uy, a, b, tags)

    def court_node(tags):
        cx, cy, ux, uy, hx, hy = next_court()
        osm.node(cx + rng.uniform(-0.5, 0.5) * hx, cy + rng.uniform(-0.5, 0.5) * hy, tags)

    def pg_tags(private=False):
        tags = [("leisure", "playground")]
        if rng.random() < 0.5:
            tags.append(("name", f"Spielplatz {names.pick(STEMS)}{names.pick(STREET_SUFFIX)}"))
        if private:
            tags = [("access", "private")] + tags
        return tags

    # Playgrounds: in park quadrants first, then courtyards (areas and points); a few private ones.
    P_ = cfg["playgrounds"]
    park_slots = list(slots)
    rng.shuffle(park_slots)
    n_in_parks = min(len(park_slots), round(0.3 * P_))
    for cx, cy, ux, uy, half, _ in park_slots[:n_in_parks]:
        rect_way(cx, cy, ux, uy, half, half * rng.uniform(0.6, 1.0), pg_tags())
    rest = park_slots[n_in_parks:]
    n_court = P_ - n_in_parks
    n_court_poly = round(0.65 * n_court)
    for _ in range(n_court_poly):
        court_rect(pg_tags())
    for _ in range(n_court - n_court_poly):
        court_node(pg_tags())
        point_facilities += 1
    fac["playground"] = P_
    for _ in range(round(0.05 * P_)):
        court_rect(pg_tags(private=True))
        fac["playground_private"] += 1

    # Public pitches: recreation grounds, then the remaining park quadrants, then courtyards.
    rec_cells = np.argwhere(use == C_REC)
    pitch_slots = []
    for i, j in rec_cells:
        c, ux, uy = cell_frame(i, j)
        q = inset_quads(c[None], 6.0)[0]
        osm.ring(q[:, 0], q[:, 1], [("landuse", "recreation_ground"),
                                    ("name", f"Sportanlage {names.pick(PERSONS)}")])
        fac["recreation_ground"] += 1
        pitch_slots.append((cxm[i, j], cym[i, j], ux, uy, 0.0, "rec"))
    pitch_slots += rest
    for n_ in range(quota["pitch"]):
        sport = names.pick(["soccer", "basketball", "tennis", "multi", "table_tennis"])
        tags = [("leisure", "pitch"), ("sport", sport)]
        if n_ < len(pitch_slots):
            cx, cy, ux, uy, half, where = pitch_slots[n_]
            a, b = (22.0 if sport == "soccer" else 14.0), 12.0
            if where == "park":
                a, b = min(a, half), min(b, half)
            rect_way(cx, cy, ux, uy, a, b, tags)
        else:
            court_rect(tags, min_half=8.0)
        fac["pitch"] += 1

    # Schools (whole blocks, a school building and a private pitch in each).
    school_cells = np.argwhere(use == C_SCHOOL)
    n_priv = round(0.1 * len(school_cells))
    for n_, (i, j) in enumerate(school_cells):
        c, ux, uy = cell_frame(i, j)
        q = inset_quads(c[None], 6.0)[0]
        tags = [("amenity", "school"), ("name", f"{names.pick(PERSONS)}-Grundschule")]
        if n_ < n_priv:
            tags = [("access", "private")] + tags
            fac["school_private"] += 1
        osm.ring(q[:, 0], q[:, 1], tags)
        fac["school"] += 1
        rect_way(cxm[i, j], cym[i, j], ux, uy, 20.0, 7.0, [("building", "school")])
        extra_buildings += 1
        px = cxm[i, j] + 0.5 * (c[1, 0] - cxm[i, j])
        py = cym[i, j] + 0.5 * (c[1, 1] - cym[i, j])
        rect_way(px, py, ux, uy, 12.0, 8.0, [("access", "private"), ("leisure", "pitch"),
                                             ("sport", "soccer")])
        fac["pitch_private"] += 1

    # Kindergartens, gardens, village greens, commons in courtyards; some private.
    n_kg = quota["kindergarten"]
    for n_ in range(n_kg):
        tags = [("amenity", "kindergarten"), ("name", f"Kita {names.pick(STEMS)}")]
        if rng.random() < 0.15:
            tags = [("access", "private")] + tags
            fac["kindergarten_private"] += 1
        if rng.random() < 0.6:
            court_node(tags)
            point_facilities += 1
        else:
            court_rect(tags)
        fac["kindergarten"] += 1
    for n_ in range(quota["garden"]):
        tags = [("leisure", "garden")]
        if rng.random() < 0.3:
            tags = [("access", "private")] + tags
            fac["garden_private"] += 1
        court_rect(tags)
        fac["garden"] += 1
    for _ in range(quota["village_green"]):
        court_rect([("landuse", "village_green")])
        fac["village_green"] += 1
    for _ in range(max(0, quota["common"])):
        court_rect([("leisure", "common")])
        fac["common"] += 1
    # Surface car parks (candidate sites in the OSM data).
    n_parking = 0
    for _ in range(max(1, len(court_slots) // 40)):
        try:
            court_rect([("amenity", "parking")] + ([("parking", "surface")] if rng.random() < 0.5
                                                   else []))
            n_parking += 1
        except StopIteration:
            break
    fac["point_facilities"] = point_facilities
    fac["car_parks"] = n_parking
    counts["facilities"] = fac
    counts["other_facilities"] = sum(fac[k] for k in ("park", "school", "kindergarten", "pitch",
                                                      "garden", "recreation_ground",
                                                      "village_green", "common"))
    log(f"facilities: {P_} public playgrounds, {counts['other_facilities']} others")

    # Plazas: a pedestrian area walked along its outline, joined to the block's corners.
    for i, j in np.argwhere(use == C_PLAZA):
        c = C[i, j]
        q = inset_quads(c[None], 9.0)[0]
        ring_ids, corner_ids = [], []
        for k in range(4):
            corner_ids.append(int(osm.nodes([q[k, 0]], [q[k, 1]])[0]))
            ring_ids.append(corner_ids[-1])
            ix, iy = densify(q[k, 0], q[k, 1], q[(k + 1) % 4, 0], q[(k + 1) % 4, 1])
            ring_ids += osm.nodes(ix, iy).tolist()
        osm.way([*ring_ids, ring_ids[0]],
                [("area", "yes"), ("highway", "pedestrian"), ("name", f"{names.pick(PERSONS)}platz")],
                True)
        for k, (gx, gy) in enumerate([(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]):
            if used[gx, gy]:
                ix, iy = densify(X[gx, gy], Y[gx, gy], q[k, 0], q[k, 1])
                osm.way([int(ids[gx, gy]), *osm.nodes(ix, iy).tolist(), corner_ids[k]],
                        [("highway", "footway")], True)

    # --- water, motorway, places ---------------------------------------------------------------
    wx = np.arange(X.min() - 300, X.max() + 300, STEP)
    south = river_y(wx) - hw
    north = river_y(wx) + hw
    ring_x = np.concatenate([wx, wx[::-1]])
    ring_y = np.concatenate([south, north[::-1]])
    rid = osm.nodes(ring_x, ring_y).tolist()
    rid.append(rid[0])
    members = []
    for s in range(0, len(rid) - 1, 1500):
        members.append((osm.way(rid[s:s + 1501], []), "outer"))
    osm.relation(members, [("name", "Spree"), ("natural", "water"), ("type", "multipolygon"),
                           ("water", "river")])
    cid = osm.nodes(wx, river_y(wx)).tolist()
    for s in range(0, len(cid) - 1, 1500):
        osm.way(cid[s:s + 1501], [("name", "Spree"), ("waterway", "river")])
    for n_, (lx, ly, ra, rb) in enumerate(lakes):
        t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        osm.ring(lx + ra * np.cos(t), ly + rb * np.sin(t),
                 [("name", f"{names.pick(STEMS)}see"), ("natural", "water")])
    mw_y = Y.min() - 120
    mx_ = np.arange(X.min() - 200, X.max() + 200, 50.0)
    mid = osm.nodes(mx_, mw_y + 40 * np.sin(mx_ / 2000)).tolist()
    for s in range(0, len(mid) - 1, 200):
        osm.way(mid[s:s + 201], [("highway", "motorway"), ("name", "Stadtautobahn"),
                                 ("ref", "A 100")])

    # Planning areas: Voronoi cells of jittered seeds, mirrored at the box so they tile it.
    bx0, bx1 = X.min() - 150, X.max() + 150
    by0, by1 = min(Y.min(), mw_y) - 150, Y.max() + 150
    n_areas = cfg["areas"]
    cols = max(1, int(round(math.sqrt(n_areas * (bx1 - bx0) / (by1 - by0)))))
    rows = math.ceil(n_areas / cols)
    gx_, gy_ = np.meshgrid((np.arange(cols) + 0.5) / cols, (np.arange(rows) + 0.5) / rows,
                           indexing="ij")
    sx_ = bx0 + (gx_.ravel() + rng.uniform(-0.35, 0.35, gx_.size) / cols) * (bx1 - bx0)
    sy_ = by0 + (gy_.ravel() + rng.uniform(-0.35, 0.35, gy_.size) / rows) * (by1 - by0)
    keep = np.sort(rng.choice(len(sx_), n_areas, replace=False))
    seeds = np.stack([sx_[keep], sy_[keep]], 1)
    mirrored = np.concatenate([seeds,
                               np.stack([2 * bx0 - seeds[:, 0], seeds[:, 1]], 1),
                               np.stack([2 * bx1 - seeds[:, 0], seeds[:, 1]], 1),
                               np.stack([seeds[:, 0], 2 * by0 - seeds[:, 1]], 1),
                               np.stack([seeds[:, 0], 2 * by1 - seeds[:, 1]], 1)])
    vor = Voronoi(mirrored)
    all_names = [f"{s}{x}" for s in STEMS for x in AREA_SUFFIX]
    order = rng.permutation(len(all_names))
    area_names = [all_names[k] for k in order[:n_areas]]
    features = []
    for k in range(n_areas):
        reg = vor.regions[vor.point_region[k]]
        v = vor.vertices[reg]
        ang = np.arctan2(v[:, 1] - seeds[k, 1], v[:, 0] - seeds[k, 0])
        v = v[np.argsort(ang)]
        v[:, 0] = np.clip(v[:, 0], bx0, bx1)
        v[:, 1] = np.clip(v[:, 1], by0, by1)
        ring = [[round(LON0 + x / M_PER_DEG_LON, 7), round(LAT0 + y / M_PER_DEG_LAT, 7)]
                for x, y in v.tolist()]
        ring.append(ring[0])
        props = {"id": f"PR{k + 1:04d}", "name": area_names[k]}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
        osm.node(seeds[k, 0], seeds[k, 1], [("name", area_names[k]), ("place", "suburb")])
    osm.node(0.0, 0.0, [("name", "Spielstadt"), ("place", "city")])
    log(f"{n_areas} planning areas")

    # --- candidate sites --------------------------------------------------------------------
    site_cells = np.argwhere(np.isin(use, [C_RES, C_GRASS, C_BROWN, C_IND, C_COMM]))
    pick = rng.choice(len(site_cells), cfg["sites"], replace=len(site_cells) < cfg["sites"])
    sites = []
    for n_, cell in enumerate(site_cells[pick]):
        i, j = int(cell[0]), int(cell[1])
        c, ux, uy = cell_frame(i, j)
        px = cxm[i, j] + rng.uniform(-0.2, 0.2) * (c[1, 0] - c[0, 0])
        py = cym[i, j] + rng.uniform(-0.2, 0.2) * (c[3, 1] - c[0, 1])
        props = {"id": f"s{n_ + 1:04d}", "name": f"Site {n_ + 1}"}
        if rng.random() < 0.25:
            geom = {"type": "Point", "coordinates": [round(LON0 + px / M_PER_DEG_LON, 7),
                                                     round(LAT0 + py / M_PER_DEG_LAT, 7)]}
        else:
            q = rects(np.array([px]), np.array([py]), np.array([ux]), np.array([uy]),
                      np.array([rng.uniform(10, 30)]), np.array([rng.uniform(8, 25)]))[0]
            ring = [[round(LON0 + x / M_PER_DEG_LON, 7), round(LAT0 + y / M_PER_DEG_LAT, 7)]
                    for x, y in q.tolist()]
            ring.append(ring[0])
            geom = {"type": "Polygon", "coordinates": [ring]}
        sites.append({"type": "Feature", "properties": props, "geometry": geom})

    # --- files ----------------------------------------------------------------------------
    os.makedirs(out, exist_ok=True)
    counts["walkable_nodes"] = osm.walkable_node_count()
    counts["osm"] = {"nodes": osm.n, "ways": len(osm.ways), "relations": len(osm.rels)}
    counts["residential_buildings"] = int(len(bs))
    counts["other_buildings"] = extra_buildings
    counts["residents"] = int(residents.sum())
    counts["population_points"] = int(len(bs))
    counts["planning_areas"] = n_areas
    counts["candidate_sites"] = len(sites)
    counts["bridges"] = len(bridges)
    counts["diagonal_avenues"] = len(diagonals)
    counts["lakes"] = len(lakes)
    log(f"writing: {osm.n} nodes, {len(osm.ways)} ways, {len(osm.rels)} relations, "
        f"{counts['walkable_nodes']} walkable nodes")
    pbf = os.path.join(out, "city.osm.pbf")
    osm.write_pbf(pbf + ".tmp", np.random.default_rng([seed, 1]))
    os.replace(pbf + ".tmp", pbf)
    log("city.osm.pbf written")
    with open(os.path.join(out, "population.csv"), "w") as f:
        f.write("lon,lat,residents\n")
        f.write("".join(f"{a:.7f},{b:.7f},{r}\n"
                        for a, b, r in zip(pop_lon.tolist(), pop_lat.tolist(), residents.tolist())))
    with open(os.path.join(out, "areas.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(out, "sites.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": sites}, f, separators=(",", ":"))
        f.write("\n")
    bbox = [round(LON0 + bx0 / M_PER_DEG_LON, 7), round(LAT0 + by0 / M_PER_DEG_LAT, 7),
            round(LON0 + bx1 / M_PER_DEG_LON, 7), round(LAT0 + by1 / M_PER_DEG_LAT, 7)]
    files = {}
    for name in ("city.osm.pbf", "population.csv", "areas.geojson", "sites.geojson"):
        path = os.path.join(out, name)
        with open(path, "rb") as fh:
            files[name] = {"bytes": os.path.getsize(path),
                           "sha256": hashlib.sha256(fh.read()).hexdigest()}
    return {"generator": "bench/city/generate.py", "version": VERSION, "bbox": bbox,
            "size_km": [round((bx1 - bx0) / 1000, 2), round((by1 - by0) / 1000, 2)],
            "counts": counts, "files": files}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=sorted(PRESETS), required=True)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cfg = PRESETS[args.size]
    manifest = generate(cfg, args.seed, args.out)
    manifest = {"size": args.size, "seed": args.seed, "preset": cfg, **manifest}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    log(f"done: {args.out}")


if __name__ == "__main__":
    main()
