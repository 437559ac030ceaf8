// Walking distances on the static page: reads the `walk/` folder of the export (written by the
// export crate's `walk` module; format in docs/interfaces.md) and answers "which facility of a
// kind is nearest on foot, and how far" for a tap, as `/api/reach` does on the live map: the tap
// snaps to the nearest point of the nearest path segment (the straight line to it counts), then
// the distance field of the chunk's nodes or an access point on the same segment gives the rest.
// Pure functions and a loader, no DOM: the page and the tests use the same code.

/** The mean Earth radius the server measures with, in metres. */
const EARTH_RADIUS_M = 6371008.8;

/** A public facility of the export (index = the facility numbers of the chunk files). */
export interface WalkFacility {
  osm_id: string;
  kind: string;
  name: string | null;
  /** The nearest named street within 300 m, for a facility without a name. */
  street: string | null;
  /** A point on the facility, [lon, lat]. */
  at: [number, number] | null;
}

/** `walk/index.json`. */
export interface WalkIndex {
  version: number;
  chunk: { origin: [number, number]; size: [number, number]; files: string[] };
  margin_m: number;
  tolerance_m: number;
  kinds: string[];
  facilities: WalkFacility[];
}

/** One decoded chunk file. */
export interface Chunk {
  lon: Float64Array;
  lat: Float64Array;
  /** Per kind: distance of each node to the nearest facility of the kind, and which one. */
  dist: Float32Array[];
  facility: Uint32Array[];
  edges: Uint32Array;
  access: { edge: number; kind: number; facility: number; toA: number; offset: number }[];
  areas: { kind: number; facility: number; rings: [number, number][][] }[];
}

/** The answer for a tap: the facility (index into `facilities`) and the walking metres. */
export interface OnFoot {
  facility: number;
  distance_m: number;
}

/** Great-circle metres between two lon/lat points (haversine). */
export function metres(a: [number, number], b: [number, number]): number {
  const r = Math.PI / 180;
  const dLat = (b[1] - a[1]) * r;
  const dLon = (b[0] - a[0]) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(Math.min(1, h)));
}

/** Decodes a chunk file (little-endian; see the export crate's `walk` module). */
export function decodeChunk(buf: ArrayBuffer): Chunk {
  const v = new DataView(buf);
  const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3));
  if (magic !== "SRW1") throw new Error(`not a walking-distance chunk (${magic})`);
  let o = 4;
  const u32 = () => {
    const x = v.getUint32(o, true);
    o += 4;
    return x;
  };
  const i32 = () => {
    const x = v.getInt32(o, true);
    o += 4;
    return x;
  };
  const f32 = () => {
    const x = v.getFloat32(o, true);
    o += 4;
    return x;
  };
  const [n, e, k, a, r] = [u32(), u32(), u32(), u32(), u32()];
  const lon = new Float64Array(n);
  const lat = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    lon[i] = i32() / 1e7;
    lat[i] = i32() / 1e7;
  }
  const dist: Float32Array[] = [];
  const facility: Uint32Array[] = [];
  for (let j = 0; j < k; j += 1) {
    const d = new Float32Array(n);
    const f = new Uint32Array(n);
    for (let i = 0; i < n; i += 1) {
      d[i] = f32();
      f[i] = u32();
    }
    dist.push(d);
    facility.push(f);
  }
  const edges = new Uint32Array(2 * e);
  for (let i = 0; i < 2 * e; i += 1) edges[i] = u32();
  const access = [];
  for (let i = 0; i < a; i += 1) access.push({ edge: u32(), kind: u32(), facility: u32(), toA: f32(), offset: f32() });
  const areas = [];
  for (let i = 0; i < r; i += 1) {
    const kind = u32();
    const fac = u32();
    const rings: [number, number][][] = [];
    for (let nr = u32(); nr > 0; nr -= 1) {
      const ring: [number, number][] = [];
      for (let m = u32(); m > 0; m -= 1) ring.push([i32() / 1e7, i32() / 1e7]);
      rings.push(ring);
    }
    areas.push({ kind, facility: fac, rings });
  }
  return { lon, lat, dist, facility, edges, access, areas };
}

/** The chunk file (without `.bin`) a point falls in. */
export function chunkName(index: WalkIndex, p: [number, number]): string {
  const [ox, oy] = index.chunk.origin;
  const [dx, dy] = index.chunk.size;
  return `${Math.floor((p[0] - ox) / dx)}_${Math.floor((p[1] - oy) / dy)}`;
}

/** Even–odd point in polygon over all rings (holes included). */
function inside(p: [number, number], rings: [number, number][][]): boolean {
  let c = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) c = !c;
    }
  }
  return c;
}

/**
 * The nearest facility of `kind` on foot from `p` in `chunk`, or null: none reachable, or the
 * nearest path is farther than the index's margin (the chunk may not hold it).
 */
export function nearestOnFoot(index: WalkIndex, chunk: Chunk, p: [number, number], kind: string): OnFoot | null {
  const k = index.kinds.indexOf(kind);
  if (k < 0) return null;
  // Inside an area facility: there already (the smallest facility number, as the server).
  const within = chunk.areas.filter((a) => a.kind === k && inside(p, a.rings)).map((a) => a.facility);
  if (within.length > 0) return { facility: Math.min(...within), distance_m: 0 };
  // The snap: the nearest point of the nearest segment, in the local equirectangular plane.
  const cos = Math.cos((p[1] * Math.PI) / 180);
  let best: { edge: number; offset: number; s: [number, number] } | null = null;
  const ne = chunk.edges.length / 2;
  for (let e = 0; e < ne; e += 1) {
    const a = chunk.edges[2 * e];
    const b = chunk.edges[2 * e + 1];
    const ax = (chunk.lon[a] - p[0]) * cos;
    const ay = chunk.lat[a] - p[1];
    const bx = (chunk.lon[b] - p[0]) * cos;
    const by = chunk.lat[b] - p[1];
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.min(1, Math.max(0, -(ax * dx + ay * dy) / len2)) : 0;
    const s: [number, number] = [chunk.lon[a] + t * (chunk.lon[b] - chunk.lon[a]), chunk.lat[a] + t * (chunk.lat[b] - chunk.lat[a])];
    const offset = metres(p, s);
    if (!best || offset < best.offset - 1e-6) best = { edge: e, offset, s };
  }
  if (!best || best.offset > index.margin_m) return null;
  const a = chunk.edges[2 * best.edge];
  const b = chunk.edges[2 * best.edge + 1];
  const toA = metres(best.s, [chunk.lon[a], chunk.lat[a]]);
  const toB = metres(best.s, [chunk.lon[b], chunk.lat[b]]);
  let hit: OnFoot | null = null;
  const offer = (facility: number, d: number) => {
    if (facility === 0xffffffff || !Number.isFinite(d)) return;
    if (!hit || d < hit.distance_m || (d === hit.distance_m && facility < hit.facility)) hit = { facility, distance_m: d };
  };
  offer(chunk.facility[k][a], best.offset + toA + chunk.dist[k][a]);
  offer(chunk.facility[k][b], best.offset + toB + chunk.dist[k][b]);
  for (const x of chunk.access) {
    if (x.edge === best.edge && x.kind === k) offer(x.facility, best.offset + Math.abs(toA - x.toA) + x.offset);
  }
  return hit;
}

/** Loads `walk/index.json` and chunks relative to `base` (the page's folder), caching chunks. */
export class WalkData {
  private chunks = new Map<string, Promise<Chunk | null>>();

  private constructor(
    readonly index: WalkIndex,
    private readonly fetchBytes: (file: string) => Promise<ArrayBuffer | null>,
  ) {}

  /** The walking data beside the page, or null when the export has none. */
  static async load(
    fetchJson: (file: string) => Promise<unknown>,
    fetchBytes: (file: string) => Promise<ArrayBuffer | null>,
  ): Promise<WalkData | null> {
    const index = (await fetchJson("walk/index.json").catch(() => null)) as WalkIndex | null;
    return index && index.version === 1 ? new WalkData(index, fetchBytes) : null;
  }

  /** The nearest facility of `kind` on foot from `p`, or null. */
  async nearest(p: [number, number], kind: string): Promise<OnFoot | null> {
    const name = chunkName(this.index, p);
    if (!this.index.chunk.files.includes(name)) return null;
    let chunk = this.chunks.get(name);
    if (!chunk) {
      chunk = this.fetchBytes(`walk/${name}.bin`).then((b) => (b ? decodeChunk(b) : null));
      this.chunks.set(name, chunk);
    }
    const c = await chunk;
    return c ? nearestOnFoot(this.index, c, p, kind) : null;
  }
}
