// What the browser tests share: the checks and their summary line, starting `spielraum serve`,
// launching Debian's chromium through playwright-core, opening a map page that may not leave
// its own server, counting rendered features, and the accessibility checks (axe-core, focus,
// reflow).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** The WCAG success criteria axe-core checks: WCAG 2.0 and 2.1, levels A and AA. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core (web/package-lock.json pins it) on the page as it is now, with the WCAG 2.0/2.1
 * A and AA rules; writes the whole result to test-artifacts/axe/NAME.json, prints every
 * violation, and records a failed check when any is serious or critical. The script is
 * evaluated by the browser's debugger protocol, so the page's Content-Security-Policy stays on.
 */
export async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), AXE_TAGS);
  const dir = resolve(artifacts, "axe");
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, `${name}.json`), JSON.stringify(result, null, 1));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result.violations) {
    console.log(`     axe ${name}: ${v.impact} ${v.id}: ${v.help}`);
    for (const n of v.nodes.slice(0, 5)) console.log(`         ${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join("; ")}`);
  }
  check(bad.length === 0, `axe ${name}: no serious or critical WCAG 2.1 AA violation (${bad.map((v) => `${v.id} ×${v.nodes.length}`).join(", ") || `${result.passes.length} rules passed, ${result.incomplete.length} to review by hand`})`);
  return result;
}

/**
 * Layout faults at this size: horizontal page scrolling, and controls (buttons, links, fields)
 * cut off at the window's sides or covered by something else at their centre.
 */
export const reflowFaults = (page) =>
  page.evaluate(() => {
    const faults = [];
    const w = window.innerWidth;
    const sw = document.scrollingElement.scrollWidth;
    if (sw > w) faults.push(`page scrolls sideways (${sw} > ${w})`);
    const controls = document.querySelectorAll("button, a[href], input, select, textarea, summary, [role=tab]");
    for (const c of controls) {
      const r = c.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(c).visibility === "hidden") continue;
      if (c.closest(".visually-hidden, .skip-link")) continue;
      // Only what is in view: scrolling containers (a wide data table's, a sidebar's) show the
      // rest by scrolling; containers that hide their overflow cut a control off.
      let box = { l: r.left, t: r.top, r: r.right, b: r.bottom };
      let cut = false;
      for (let p = c.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p);
        const ov = o.overflowX + o.overflowY;
        if (!/(auto|scroll|hidden|clip)/.test(ov)) continue;
        const pr = p.getBoundingClientRect();
        if (!/(auto|scroll)/.test(ov) && (r.left < pr.left - 1 || r.right > pr.right + 1)) cut = true;
        box = { l: Math.max(box.l, pr.left), t: Math.max(box.t, pr.top), r: Math.min(box.r, pr.right), b: Math.min(box.b, pr.bottom) };
      }
      if (box.t >= window.innerHeight || box.b <= 0 || box.b - box.t < 4 || box.r - box.l < 4) continue; // scrolled out of view
      const name = c.id || c.textContent.trim().slice(0, 30) || c.getAttribute("aria-label") || c.tagName;
      if (box.l < -1 || box.r > w + 1) faults.push(`${name} cut off (${Math.round(r.left)}–${Math.round(r.right)} of ${w})`);
      else if (cut) faults.push(`${name} cut off by its container`);
      const x = (box.l + box.r) / 2;
      const y = (box.t + box.b) / 2;
      const top = document.elementFromPoint(x, y);
      if (top && top !== c && !c.contains(top) && !top.contains(c) && !(c.labels && [...c.labels].some((l) => l.contains(top)))) {
        faults.push(`${name} covered by ${top.id || top.className || top.tagName}`);
      }
    }
    return faults;
  });
