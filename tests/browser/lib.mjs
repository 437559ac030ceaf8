// What the browser tests share: the checks and their summary line, starting `spielraum serve`,
// launching Debian's chromium through playwright-core, opening a map page that may not leave
// its own server, and counting rendered features.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

/** The project's root folder. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(resolve(root, "web/package.json"));
const { chromium } = require("playwright-core");

/** Where screenshots go (created on import). */
export const artifacts = resolve(root, "test-artifacts");
mkdirSync(artifacts, { recursive: true });

const failures = [];
let passed = 0;

/** Records one check and prints it. */
export function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (ok) passed += 1;
  else failures.push(what);
}

/** Prints "browser: N passed, N failed" and ends the process, non-zero on a failure. */
export function finish() {
  console.log(`browser: ${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

/**
 * Starts `spielraum serve CITY …args` on a free port (SPIELRAUM_BIN, default the debug build)
 * and resolves when it says where it listens: `{ url, stop }`, `stop` resolving once it exited.
 */
export async function startServe(city, args = [], env = {}) {
  const bin = process.env.SPIELRAUM_BIN ?? resolve(root, "target/debug/spielraum");
  const child = spawn(bin, ["serve", city, "--addr", "127.0.0.1:0", ...args], {
    cwd: root,
    env: { ...process.env, SPIELRAUM_WEB_DIR: resolve(root, "web/dist"), ...env },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const stopped = new Promise((ok) => child.on("exit", ok));
  const url = await new Promise((ok, fail) => {
    let err = "";
    const timer = setTimeout(() => fail(new Error(`server did not start in 180 s: ${err}`)), 180000);
    child.stderr.on("data", (d) => {
      err += d;
      const m = /on (http:\/\/[^/\s]+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on("exit", (code) => fail(new Error(`server exited with ${code}: ${err}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill("SIGINT");
      await stopped;
    },
  };
}

/** Headless chromium (CHROMIUM, default Debian's) with software WebGL. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
}

/**
 * Opens `url` in a new context and waits until its map (`window.spielraumMap`) has loaded
 * and drawn its tiles. Requests `allowed(url)` refuses are aborted and listed in `outside`;
 * page errors, console errors and Content-Security-Policy violations (workers included) are
 * listed in `errors`; every request URL in `requests`.
 * `prepare(page)` runs before the page loads (to record more).
 */
export async function openMap(browser, url, { locale, viewport = { width: 1400, height: 900 }, allowed, prepare } = {}) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const errors = [];
  const outside = [];
  const requests = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  // A violation of the server's Content-Security-Policy is an error even where the browser only logs it.
  await page.exposeFunction("__spielraumCspViolation", (v) => errors.push(`CSP violation: ${v}`));
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__spielraumCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`),
    ),
  );
  page.on("request", (r) => requests.push(r.url()));
  await page.route("**/*", (route) => {
    if (allowed(route.request().url())) return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  if (prepare) prepare(page);
  await page.goto(url);
  await page.waitForFunction(() => window.spielraumMap && window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
  await page.waitForTimeout(500);
  return { page, context, errors, outside, requests };
}

/** Whether a URL goes to this machine (the test server). */
export const isLocal = (url) => ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);

/** How many features of `layers` (those the style has) the map renders. */
export const rendered = (page, layers) =>
  page.evaluate((ls) => {
    const m = window.spielraumMap;
    const have = ls.filter((l) => m.getLayer(l));
    return m.queryRenderedFeatures({ layers: have }).length;
  }, layers);

/**
 * Opens `url` in a fresh context and measures its first view: the bytes transferred (as sent,
 * compressed, headers included) by kind — script, style sheet, tiles (`/tiles/` and
 * `.pmtiles`), glyphs (`/fonts/`), other — until the map has loaded every tile of the view;
 * the milliseconds from navigation to that moment; and the URLs loaded. Requests of the map's
 * workers count too. `throttle` ({ latency ms, download/upload bytes per second }) emulates a
 * slow network through the DevTools protocol (for the page and its workers); `identity` asks
 * for every answer uncompressed.
 */
export async function firstView(browser, url, { viewport = { width: 600, height: 450 }, throttle, identity = false } = {}) {
  // `identity`: ask for every answer uncompressed (for comparison).
  const context = await browser.newContext({ viewport, extraHTTPHeaders: identity ? { "Accept-Encoding": "identity" } : {} });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const conditions = throttle && { offline: false, latency: throttle.latency, downloadThroughput: throttle.download, uploadThroughput: throttle.upload };
  if (conditions) {
    await cdp.send("Network.emulateNetworkConditions", conditions);
    // The map's workers fetch the tiles: throttle them as they start.
    await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
    page.on("worker", async (w) => {
      const s = await context.newCDPSession(w).catch(() => null);
      if (s) await s.send("Network.enable").then(() => s.send("Network.emulateNetworkConditions", conditions)).catch(() => {});
    });
  }
  const urls = [];
  const bytes = { script: 0, stylesheet: 0, tiles: 0, glyphs: 0, other: 0, total: 0 };
  const counted = [];
  context.on("requestfinished", (r) => {
    const u = r.url();
    urls.push(u);
    counted.push(
      r.sizes().then((s) => {
        const n = s.responseBodySize + s.responseHeadersSize;
        const kind = /\/tiles\/|\.pmtiles/.test(u) ? "tiles" : /\/fonts\//.test(u) ? "glyphs" : /\.js(\?|$)/.test(u) ? "script" : /\.css(\?|$)/.test(u) ? "stylesheet" : "other";
        bytes[kind] += n;
        bytes.total += n;
      }),
    );
  });
  const start = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => window.spielraumMap && window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 120000, polling: 50 });
  const ms = Date.now() - start;
  // Let the last answers finish counting.
  await page.waitForTimeout(300);
  await Promise.all(counted);
  await context.close();
  return { bytes, ms, urls };
}
