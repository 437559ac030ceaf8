// Browser test of the static export (`spielraum export`) served by a plain static server
// (nginx, which answers HTTP range requests as every production host does) in Debian's
// chromium, driven by playwright-core.
//
// Usage: node tests/browser/static.mjs SITE
//   CHROMIUM=/usr/bin/chromium   browser executable
//   NGINX=nginx                  nginx executable (apt-get install -y nginx)
// (`python3 -m http.server` cannot serve the bundle: it answers no HTTP range requests.)
// The bundle is served under a sub-path (/<folder name>/) to check it works at any path.
// Fails on page errors, on any request to another origin than the static server, and when
// facilities, neighbourhoods or basemap are not rendered. Accessibility (issue 20): axe-core on
// the page and its table page (table.html, whose figures must equal indicators.json), the live
// announcement of a tap, reflow at 320 and 640 CSS px. Screenshots go to test-artifacts/.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { artifacts, axe, check, finish, launchBrowser, openMap, reflowFaults, rendered } from "./lib.mjs";

const site = process.argv[2] && resolve(process.argv[2]);
if (!site) {
  console.error("usage: node tests/browser/static.mjs SITE (a folder written by spielraum export)");
  process.exit(1);
}

const freePort = () =>
  new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

/** nginx serving the folder above SITE, so the bundle lives at /<name>/. */
async function startNginx() {
  const port = await freePort();
  const work = mkdtempSync(join(tmpdir(), "spielraum-nginx-"));
  const conf = join(work, "nginx.conf");
  writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
user root;
pid ${work}/nginx.pid;
error_log ${work}/error.log;
events { worker_connections 256; }
http {
  types { text/html html; text/javascript js; text/css css; application/json json geojson; text/markdown md; }
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  server { listen 127.0.0.1:${port}; root ${dirname(site)}; }
}
`,
  );
  const child = spawn(process.env.NGINX ?? "nginx", ["-c", conf], { stdio: ["ignore", "inherit", "inherit"] });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    const up = await fetch(`${origin}/${basename(site)}/index.html`).then((r) => r.ok, () => false);
    if (up) return { origin, stop: () => child.kill("SIGTERM") };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGTERM");
  throw new Error(`nginx did not start on ${origin}: ${readFileSync(join(work, "error.log"), "utf8").slice(-500)}`);
}

const server = await startNginx();
console.log(`serving ${site} with nginx at ${server.origin}/${basename(site)}/`);
const base = `${server.origin}/${basename(site)}/`;
const browser = await launchBrowser();

async function openPage(query, locale, viewport = { width: 900, height: 700 }) {
  const ranges = [];
  // Nothing may reach the internet even if the page asked: abort what leaves the server.
  const opened = await openMap(browser, `${base}${query}`, {
    locale,
    viewport,
    allowed: (url) => new URL(url).origin === server.origin,
    prepare: (page) => page.on("response", (r) => r.url().endsWith("tiles.pmtiles") && ranges.push(r.status())),
  });
  return { ...opened, ranges };
}

try {
  const indicators = JSON.parse(readFileSync(join(site, "indicators.json"), "utf8"));

  // --- English, playgrounds ---
  const { page, errors, requests, ranges } = await openPage("?lang=en&kind=playground", "de-DE");
  check((await page.textContent(".embed-card")).includes("Where is the nearest playground?"), "English title with ?lang=en");
  const basemap = ["landuse", "water", "waterways", "roads-major", "roads-secondary", "roads-minor", "railways", "buildings"];
  check((await rendered(page, basemap)) > 0, "basemap features rendered from the archive");
  check((await rendered(page, ["facilities-point", "facilities-area"])) > 0, "facility features rendered");
  check((await rendered(page, ["neighbourhoods-outline", "neighbourhoods-fill"])) > 0, "neighbourhood features rendered");
  check(await page.evaluate(() => document.body.innerText.includes("OpenStreetMap")), "OSM attribution visible");
  check(ranges.length > 0 && ranges.every((s) => s === 206), `tiles.pmtiles read by range requests (${ranges.length} answers, statuses ${[...new Set(ranges)]})`);
  await page.screenshot({ path: resolve(artifacts, "static-en.png") });
  const fullZoom = await page.evaluate(() => window.spielraumMap.getZoom());
  // PMTiles v3 header byte 100 is the archive's lowest zoom: the map does not zoom out past it.
  const archiveMin = readFileSync(join(site, "tiles.pmtiles"))[100];
  const minZoom = await page.evaluate(() => window.spielraumMap.getMinZoom());
  check(minZoom === archiveMin, `map min zoom is the archive's (${minZoom} vs ${archiveMin})`);

  // Tap in central Vaduz: the nearest playground on foot (its distance is checked against the
  // server by static-walk.mjs), marked on the map, and the coverage.
  const vaduz = [9.5209, 47.141];
  await page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 14 }), vaduz);
  await page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
  const spot = await page.evaluate((c) => {
    const m = window.spielraumMap;
    const p = m.project(c);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, vaduz);
  await page.mouse.click(spot.x, spot.y);
  await page.waitForSelector("#embed-list li", { timeout: 10000 });
  const items = await page.$$eval("#embed-list li", (lis) => lis.map((li) => li.textContent));
  const walkIndex = JSON.parse(readFileSync(join(site, "walk/index.json"), "utf8"));
  const named = walkIndex.facilities.filter((f) => f.kind === "playground").map((f) => f.name ?? (f.street ? `near ${f.street}` : "unnamed"));
  check(
    items.length === 1 && /\d+ m on foot/.test(items[0]) && named.some((n) => items[0].includes(n)),
    `tap names the nearest playground on foot from walk/ (${items[0]})`,
  );
  const marked = await page
    .waitForFunction(() => window.spielraumMap.getLayer("nearest-ring") && window.spielraumMap.queryRenderedFeatures({ layers: ["nearest-ring"] }).length === 2, null, { timeout: 10000 })
    .then(() => true, () => false);
  check(marked, "the tapped point and the nearest playground are marked on the map");
  const coverage = await page.textContent("#static-coverage");
  const hood = indicators.neighbourhoods.find((n) => coverage.includes(n.name));
  const share = hood?.served_share?.age_0_5;
  check(
    hood !== undefined && (typeof share !== "number" || coverage.includes(`${Math.round(share * 100)} %`)),
    `tap shows the neighbourhood's coverage from indicators.json (${coverage})`,
  );
  await page.screenshot({ path: resolve(artifacts, "static-tap-en.png") });
  // Screen readers hear the result: the nearest place and the coverage, in a live region.
  await page.waitForFunction(() => document.getElementById("embed-said").textContent !== "", null, { timeout: 5000 }).catch(() => {});
  const said = await page.textContent("#embed-said");
  // The same place and distance as the list shows (whose walking distance static-walk.mjs checks).
  const listed = items[0]?.match(/^(.*?)( · Playground)?([\d,]+) m on foot$/);
  const sentence = listed && (listed[2] ? `Nearest: ${listed[1]} (Playground), ${listed[3]} m on foot` : `Nearest: ${listed[1]}, ${listed[3]} m on foot`);
  check(
    listed !== null && said.startsWith(sentence) && (hood === undefined || said.includes(hood.name)),
    `the live region says „${said}“ (list: ${items[0]})`,
  );
  await axe(page, "static-en-result");
  const tableLink = await page.getAttribute("#table-link", "href");
  check((await page.isVisible("#table-link")) && (await page.textContent("#table-link")) === "Table instead of map" && tableLink.startsWith("table.html?lang=en&back=index.html"), `a visible link „Table instead of map“ to table.html (${tableLink})`);
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
  const foreign = requests.filter((u) => new URL(u).origin !== server.origin);
  check(requests.length > 0 && foreign.length === 0, `all ${requests.length} requests went to the static server (${foreign.slice(0, 5).join(", ")})`);

  // --- a phone (375 × 667): after the same tap the card leaves most of the map free ---
  const phone = await openPage("?lang=de&kind=playground", "de-DE", { width: 375, height: 667 });
  await phone.page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 14 }), vaduz);
  await phone.page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
  const tap = await phone.page.evaluate((c) => {
    const m = window.spielraumMap;
    const p = m.project(c);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, vaduz);
  await phone.page.mouse.click(tap.x, tap.y);
  await phone.page.waitForSelector("#embed-list li", { timeout: 10000 });
  const card = await phone.page.evaluate(() => {
    const c = document.querySelector(".embed-card").getBoundingClientRect();
    return { h: c.height, w: c.width, page: document.documentElement.scrollWidth };
  });
  check(card.h <= 0.4 * 667 + 1 && card.page <= 375, `phone: the result card covers at most 40 % of the map's height (${Math.round(card.h)} of 667 px, ${Math.round(card.w)} px wide)`);
  await phone.page.screenshot({ path: resolve(artifacts, "static-phone-de.png") });
  await axe(phone.page, "static-phone-de");
  check(phone.errors.length === 0, `phone: no page errors (${phone.errors.join(" | ")})`);
  await phone.context.close();

  // --- German, neighbourhoods coloured, zoomed to one neighbourhood by name ---
  const pick = indicators.neighbourhoods[0];
  const de = await openPage(`?layer=neighbourhoods&neighbourhood=${encodeURIComponent(pick.name)}`, "de-DE");
  check((await de.page.textContent(".embed-card")).includes("Wo ist der nächste Spielplatz?"), "German title for a German browser");
  check(
    (await de.page.evaluate(() => window.spielraumMap.getPaintProperty("neighbourhoods-fill", "fill-opacity"))) !== 0 && (await rendered(de.page, ["neighbourhoods-fill"])) > 0,
    "?layer=neighbourhoods colours the neighbourhoods",
  );
  const view = await de.page.evaluate((name) => {
    const m = window.spielraumMap;
    return { zoom: m.getZoom(), shown: m.queryRenderedFeatures({ layers: ["neighbourhoods-fill"] }).some((f) => f.properties.name === name) };
  }, pick.name);
  check(view.shown && view.zoom > fullZoom + 0.5, `?neighbourhood=${pick.name} zooms in on it (zoom ${view.zoom.toFixed(1)} vs ${fullZoom.toFixed(1)} for all)`);
  await de.page.screenshot({ path: resolve(artifacts, "static-de.png") });
  // Gap areas differ by a hatch, not colour alone: a pattern layer right over the gap layer.
  const hatch = await de.page.evaluate(() => {
    const m = window.spielraumMap;
    const order = m.getStyle().layers.map((l) => l.id);
    const gaps = m.getStyle().metadata["spielraum:layers"].gaps;
    return { pattern: m.getPaintProperty("gaps-hatch", "fill-pattern"), above: order.indexOf("gaps-hatch") === order.indexOf(gaps) + 1, visible: m.getLayoutProperty("gaps-hatch", "visibility") };
  });
  check(hatch.pattern === "gap-hatch" && hatch.above && hatch.visible === "visible", `?layer=neighbourhoods: gap areas hatched over the gap layer (${JSON.stringify(hatch)})`);
  check(de.errors.length === 0, `no page errors in German (${de.errors.join(" | ")})`);
  const foreignDe = de.requests.filter((u) => new URL(u).origin !== server.origin);
  check(foreignDe.length === 0, `German page: all requests went to the static server (${foreignDe.slice(0, 5).join(", ")})`);

  // --- the table page (table.html): the figures of indicators.json, sortable, the CSV beside it ---
  const tctx = await browser.newContext({ locale: "de-DE", viewport: { width: 1280, height: 900 } });
  const tp = await tctx.newPage();
  const terrors = [];
  tp.on("pageerror", (e) => terrors.push(String(e)));
  tp.on("console", (m) => m.type() === "error" && terrors.push(m.text()));
  await tp.route("**/*", (r) => (new URL(r.request().url()).origin === server.origin ? r.continue() : r.abort()));
  await tp.goto(`${base}table.html?lang=de&back=${encodeURIComponent("index.html?kind=playground")}`);
  await tp.waitForSelector("body[data-ready='1']", { timeout: 30000 });
  await axe(tp, "static-table-de");
  const rows = await tp.$$eval("#indicator-table tbody tr", (trs) =>
    trs.map((tr) => ({ id: tr.dataset.id, name: tr.querySelector("th").textContent, v: Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.col, td.dataset.value])) })),
  );
  const bands = ["age_0_5", "age_6_11", "age_12_17"];
  const wrong = [];
  for (const n of indicators.neighbourhoods) {
    const row = rows.find((r) => r.id === n.id);
    const want = {
      population_total: n.population?.total,
      need_rank: n.need_rank,
      play_area_m2_per_child: n.play_area_m2_per_child,
      ...Object.fromEntries(bands.flatMap((b) => [[b, n.population?.[b]], [`served_share_${b}`, n.served_share?.[b]], [`gap_children_${b}`, n.gap_children?.[b]]])),
    };
    if (!row || row.name !== n.name) wrong.push(`${n.name}: no row`);
    else for (const [k, v] of Object.entries(want)) if ((typeof v === "number" ? Number(row.v[k]) !== v || row.v[k] === "" : row.v[k] !== "")) wrong.push(`${n.name} ${k}: ${row.v[k]} vs ${v}`);
  }
  check(rows.length === indicators.neighbourhoods.length && wrong.length === 0, `table.html: every row and band equals indicators.json (${rows.length} rows; ${wrong.slice(0, 5).join("; ") || "all equal"})`);
  const csvHref = await tp.getAttribute("#csv-link", "href");
  const csv = await fetch(new URL(csvHref, `${base}table.html`));
  const csvText = await csv.text();
  check(csv.ok && indicators.neighbourhoods.every((n) => csvText.includes(n.name)), `table.html: its CSV (${csvHref}) is in the bundle with every neighbourhood (${csv.status})`);
  check((await tp.getAttribute("#back-link", "href")) === "index.html?kind=playground", "table.html: „Karte statt Tabelle“ leads back to the map");
  check(terrors.length === 0, `table.html: no page errors (${terrors.join(" | ")})`);
  await tctx.close();

  // --- reflow: 320 CSS px (a phone) and 640 px (1280 px at 200 % zoom) ---
  for (const width of [320, 640]) {
    const m = await openPage("?lang=de&kind=playground", "de-DE", { width, height: 640 });
    const mf = await reflowFaults(m.page);
    check(mf.length === 0, `reflow ${width} px: the page has no sideways scrolling, no control cut off or covered (${mf.join("; ") || "ok"})`);
    await m.context.close();
    const c = await browser.newContext({ locale: "de-DE", viewport: { width, height: 640 } });
    const t = await c.newPage();
    await t.goto(`${base}table.html?lang=de`);
    await t.waitForSelector("body[data-ready='1']", { timeout: 30000 });
    const tf = await reflowFaults(t);
    check(tf.length === 0, `reflow ${width} px: table.html has no sideways scrolling, no control cut off or covered (${tf.join("; ") || "ok"})`);
    await c.close();
  }

  // The web team's pages: reached from the map's links, in their language, accessible themselves.
  const pc = await browser.newContext({ locale: "de-DE", viewport: { width: 320, height: 640 } });
  const pp = await pc.newPage();
  await pp.route("**/*", (r) => (new URL(r.request().url()).origin === server.origin ? r.continue() : r.abort()));
  await pp.goto(`${base}index.html?lang=de`);
  for (const [link, file, lang, heading] of [
    ["#link-statement", "barrierefreiheit.html", "de", "Erklärung zur Barrierefreiheit"],
    ["#link-easy", "leichte-sprache.html", "de", "Die Spiel-Karte in Leichter Sprache"],
  ]) {
    await pp.goto(`${base}index.html?lang=de`);
    await pp.click(link);
    await pp.waitForURL(`**/${file}`, { timeout: 10000 });
    const got = await pp.evaluate(() => ({ lang: document.documentElement.lang, h1: document.querySelector("h1")?.textContent, wide: document.documentElement.scrollWidth }));
    check(got.lang === lang && got.h1 === heading && got.wide <= 320, `the map links to ${file} (${got.h1}, lang ${got.lang}, ${got.wide} px wide at 320)`);
    await axe(pp, file.replace(".html", ""));
  }
  await pp.goto(`${base}accessibility.html`);
  check((await pp.evaluate(() => document.documentElement.lang)) === "en", "accessibility.html is English");
  await axe(pp, "accessibility");
  await pc.close();
} catch (err) {
  check(false, `test crashed: ${err.stack ?? err}`);
} finally {
  await browser.close();
  server.stop();
}
finish();
