// The embed's weight and time to first map on throttled networks, as a city website's visitor
// gets it: bytes transferred for the first view (scripts, style sheets, tiles, glyphs, other;
// compressed as sent) and the time from navigation until every tile of the view is drawn, in
// Debian's chromium in a 600 × 450 frame with the browser cache off. Each profile runs with the
// server's precompressed copies (as shipped) and with `Accept-Encoding: identity` (everything
// uncompressed, as before issue 20) side by side, and prints the ratio.
//
// Usage: node bench/embed_weight.mjs CITY.gpkg [--runs 5]
//   SPIELRAUM_BIN=target/release/spielraum  CHROMIUM=/usr/bin/chromium
import { firstView, launchBrowser, startServe } from "../tests/browser/lib.mjs";

const args = process.argv.slice(2);
const city = args.find((a) => !a.startsWith("--"));
const runs = Number(args[args.indexOf("--runs") + 1]) || 5;
if (!city) {
  console.error("usage: node bench/embed_weight.mjs CITY.gpkg [--runs 5]");
  process.exit(1);
}

// Chrome DevTools' presets (latency in ms, throughput in bytes per second).
const PROFILES = {
  "Slow 4G": { latency: 150, download: (1.6 * 1024 * 1024) / 8, upload: (750 * 1024) / 8 },
  "Fast 3G": { latency: 562.5, download: (1.44 * 1024 * 1024) / 8, upload: (675 * 1024) / 8 },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

const server = await startServe(city);
const browser = await launchBrowser();
try {
  const url = `${server.url}/embed?layer=facilities&kind=playground&lang=de`;
  console.log(`embed first view, ${runs} runs each, median; chromium ${browser.version()}; ${url}`);
  for (const [name, throttle] of Object.entries(PROFILES)) {
    const row = {};
    for (const mode of ["precompressed", "identity"]) {
      const times = [];
      let last;
      for (let i = 0; i < runs; i += 1) {
        last = await firstView(browser, url, { throttle, identity: mode === "identity" });
        times.push(last.ms);
      }
      row[mode] = { ms: median(times), bytes: last.bytes };
      const b = last.bytes;
      console.log(
        `${name.padEnd(8)} ${mode.padEnd(13)} ${String(median(times)).padStart(6)} ms  ${kb(b.total).padStart(8)} (scripts ${kb(b.script)}, styles ${kb(b.stylesheet)}, tiles ${kb(b.tiles)}, glyphs ${kb(b.glyphs)}, other ${kb(b.other)})`,
      );
    }
    console.log(
      `${name.padEnd(8)} ratio identity/precompressed: time ${(row.identity.ms / row.precompressed.ms).toFixed(2)}x, bytes ${(row.identity.bytes.total / row.precompressed.bytes.total).toFixed(2)}x`,
    );
  }
} finally {
  await browser.close();
  await server.stop();
}
