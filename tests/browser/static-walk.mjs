// The static page's walking distances against the live server: for 50 seeded taps and every
// kind, the nearest facility on foot that the static page computes from the export's `walk/`
// folder (the page's own code, web/src/walk.ts, compiled here with esbuild) must be the one
// `/api/reach` answers first, at the same distance within the documented tolerance
// (`tolerance_m` of walk/index.json, plus the 0.05 m of the API's rounding).
//
// Usage: node tests/browser/static-walk.mjs CITY.gpkg SITE   (SITE written by `spielraum export CITY.gpkg`)
//   SPIELRAUM_BIN=target/release/spielraum
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { check, finish, root, startServe } from "./lib.mjs";

const [city, siteArg] = process.argv.slice(2);
if (!city || !siteArg) {
  console.error("usage: node tests/browser/static-walk.mjs CITY.gpkg SITE");
  process.exit(1);
}
const site = resolve(siteArg);
const require = createRequire(resolve(root, "web/package.json"));
const esbuild = require("esbuild");
const built = esbuild.buildSync({ entryPoints: [resolve(root, "web/src/walk.ts")], bundle: true, format: "esm", write: false });
const walk = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString("base64")}`);

const index = JSON.parse(readFileSync(join(site, "walk/index.json"), "utf8"));
check(index.version === 1 && index.kinds.length > 0, `walk/index.json has kinds ${index.kinds.join(", ")}, tolerance ${index.tolerance_m} m`);
const data = await walk.WalkData.load(
  async (f) => JSON.parse(readFileSync(join(site, f), "utf8")),
  async (f) => {
    const p = join(site, f);
    if (!existsSync(p)) return null;
    const b = readFileSync(p);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  },
);

// A small seeded generator (mulberry32), so a failure can be repeated.
let seed = 20261206;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const server = await startServe(resolve(city));
try {
  const hoods = (await (await fetch(`${server.url}/api/neighbourhoods`)).json()).features;
  const boxes = hoods.map((f) => {
    const xy = JSON.stringify(f.geometry).match(/-?\d+\.\d+,-?\d+\.\d+/g).map((p) => p.split(",").map(Number));
    return [Math.min(...xy.map((p) => p[0])), Math.min(...xy.map((p) => p[1])), Math.max(...xy.map((p) => p[0])), Math.max(...xy.map((p) => p[1]))];
  });
  let compared = 0;
  let far = 0;
  let worst = 0;
  const bad = [];
  for (let attempt = 0; compared < 50 && attempt < 1000; attempt += 1) {
    const b = boxes[Math.floor(random() * boxes.length)];
    const at = [b[0] + random() * (b[2] - b[0]), b[1] + random() * (b[3] - b[1])];
    const answers = await Promise.all(index.kinds.map((k) => data.nearest(at, k)));
    if (answers.every((a) => a === null)) {
      far += 1; // no path within the margin: the page says so instead of a distance
      continue;
    }
    compared += 1;
    for (const [i, kind] of index.kinds.entries()) {
      const q = new URLSearchParams({ lon: at[0].toFixed(7), lat: at[1].toFixed(7), minutes: "60", kind });
      const live = (await (await fetch(`${server.url}/api/reach?${q}`)).json()).features.filter((f) => f.properties.type === "facility");
      const mine = answers[i];
      const first = live[0]?.properties;
      if (!first) {
        // Nothing within 60 minutes (4.5 km) live: the static answer must be farther or none.
        if (mine && mine.distance_m <= 4500 - index.tolerance_m) bad.push(`${at}: ${kind} static ${mine.distance_m.toFixed(1)} m, live none`);
        continue;
      }
      if (!mine) {
        bad.push(`${at}: ${kind} live ${first.distance_m} m (${first.osm_id}), static none`);
        continue;
      }
      const diff = Math.abs(mine.distance_m - first.distance_m);
      worst = Math.max(worst, diff);
      const same = index.facilities[mine.facility].osm_id === String(first.osm_id);
      // A different facility is fine only at a tie (both as near within the tolerance).
      const tie = live.some((f) => String(f.properties.osm_id) === index.facilities[mine.facility].osm_id && Math.abs(f.properties.distance_m - first.distance_m) <= index.tolerance_m);
      if (diff > index.tolerance_m + 0.05 || !(same || tie)) {
        bad.push(`${at}: ${kind} static ${mine.distance_m.toFixed(2)} m (${index.facilities[mine.facility].osm_id}), live ${first.distance_m} m (${first.osm_id})`);
      }
    }
  }
  check(compared === 50, `50 seeded taps compared (${far} more fell farther than ${index.margin_m} m from any path)`);
  for (const b of bad.slice(0, 10)) console.log(`  ${b}`);
  check(bad.length === 0, `static walking distance equals /api/reach for every tap and kind (largest difference ${worst.toFixed(3)} m, tolerance ${index.tolerance_m} m)`);
} finally {
  await server.stop();
}
finish();
