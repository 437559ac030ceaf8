// Browser test of the planner map of issue 17 in Debian's chromium (playwright-core): the page
// never scrolls, the neighbourhood table equals /api/neighbourhoods, the downloads open as
// columns (German CSV with `;` and decimal comma, XLSX read back by openpyxl), the scenario
// headline equals /api/compare per band, "Hier planen" gives the suggestion's gains, no English
// in the German UI, keyboard-only placement, focus back after Escape.
//
// Usage: node tests/browser/planner.mjs CITY.gpkg
//   Serves a COPY of CITY.gpkg with an edit token file.
//   SPIELRAUM_BIN=target/release/spielraum  binary to start
//   CI_VENV=target/ci-venv                   Python with openpyxl (installed by .ci/run)
//   SHOTS=/some/dir                          also save the screenshots there
// Screenshots go to test-artifacts/. Any request to a host other than localhost fails the test.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { artifacts, check, finish, isLocal, launchBrowser, openMap, root, startServe } from "./lib.mjs";

const TOKEN = "planner-test-token-4711";
const BANDS = ["age_0_5", "age_6_11", "age_12_17"];
const vaduz = [9.5209, 47.141];

// The UI dictionary, read from the source (an object literal) without running the app.
const src = readFileSync(resolve(root, "web/src/i18n.ts"), "utf8");
const literal = src.slice(src.indexOf("export const strings = ") + "export const strings = ".length, src.indexOf("} as const;") + 1);
const strings = new Function(`return ${literal}`)();

const city = process.argv[2] ?? process.env.SPIELRAUM_CITY;
if (!city) throw new Error("give CITY.gpkg as argument");
const dir = mkdtempSync(join(tmpdir(), "spielraum-planner-"));
copyFileSync(city, join(dir, "city.gpkg"));
writeFileSync(join(dir, "token"), `${TOKEN}\n`);
const server = await startServe(join(dir, "city.gpkg"), ["--edit-token-file", join(dir, "token")], { SPIELRAUM_EDIT_TOKEN: "" });
const browser = await launchBrowser();
const shots = [artifacts, ...(process.env.SHOTS ? [process.env.SHOTS] : [])];
shots.forEach((d) => mkdirSync(d, { recursive: true }));
const shot = async (page, name, opts = {}) => {
  for (const d of shots) await page.screenshot({ path: resolve(d, name), ...opts });
};

const api = async (path, init) => {
  const r = await fetch(`${server.url}${path}`, init);
  return { status: r.status, headers: r.headers, body: r.headers.get("content-type")?.includes("json") ? await r.json() : Buffer.from(await r.arrayBuffer()) };
};
const open = async (locale, viewport = { width: 1280, height: 800 }) => {
  const lang = locale.startsWith("de") ? "de" : "en";
  const o = await openMap(browser, `${server.url}/?lang=${lang}`, { locale, viewport, allowed: isLocal });
  await o.page.waitForSelector("body[data-ready]", { timeout: 30000 });
  await o.page.waitForSelector("#hood-table tbody tr[data-id]", { timeout: 30000 });
  return o;
};
const settled = (page) => page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
const de = (v, digits = 0, style = "decimal") => new Intl.NumberFormat("de-DE", { style, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
const near = (a, b, tol = 0.051) => typeof a === "number" && typeof b === "number" && Math.abs(a - b) <= tol;

/** A `;`-separated CSV (RFC 4180 quoting) as rows of cells. */
function parseCsv(text, sep) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) row.push(cell), (cell = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell), rows.push(row), (row = []), (cell = "");
    } else cell += c;
  }
  if (cell !== "" || row.length) row.push(cell), rows.push(row);
  return rows;
}
/** A German number cell ("1.234,5", "7,2") as a number, else null. */
const germanNumber = (s) => (/^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$/.test(s.trim()) ? Number(s.trim().replace(/\./g, "").replace(",", ".")) : null);

try {
  const hoods = (await api("/api/neighbourhoods")).body.features.map((f) => f.properties);

  // --- 1. The page never scrolls as a whole (German and English, two window sizes). ---
  for (const [locale, vp] of [["de-DE", { width: 1280, height: 800 }], ["de-DE", { width: 1024, height: 768 }], ["en-GB", { width: 1024, height: 768 }]]) {
    const { page, context } = await open(locale, vp);
    const size = await page.evaluate(() => ({ sh: document.scrollingElement.scrollHeight, ih: innerHeight }));
    check(size.sh <= size.ih, `${locale} ${vp.width}×${vp.height}: the document is no taller than the window (${size.sh} ≤ ${size.ih})`);
    await page.focus("#map canvas");
    await page.mouse.move(150, 600);
    await page.mouse.wheel(0, 2000);
    await page.evaluate(() => {
      document.querySelector(".sidebar").scrollTop = 10000;
      document.getElementById("scenario-panel").scrollIntoView();
      document.getElementById("hood-pane").scrollTop = 10000;
    });
    await page.click("#scenario-add");
    await page.keyboard.press("Escape");
    await page.waitForTimeout(200);
    const after = await page.evaluate(() => ({ y: window.scrollY, side: document.querySelector(".sidebar").scrollTop, top: document.querySelector(".topbar").getBoundingClientRect().top }));
    check(after.y === 0 && after.top === 0 && after.side > 0, `${locale} ${vp.width}×${vp.height}: focusing the map and scrolling the panels leaves the page at 0 (scrollY ${after.y}, header top ${after.top}, sidebar scrolled ${after.side})`);
    await context.close();
  }

  // --- 2. The table equals /api/neighbourhoods; sorting, filter, row ↔ map. ---
  const { page, errors, outside } = await open("de-DE");
  await shot(page, "table-de.png");
  for (const band of BANDS) {
    await page.click(`#bands button:nth-child(${BANDS.indexOf(band) + 1})`);
    const rows = await page.$$eval("#hood-table tbody tr[data-id]", (trs) =>
      trs.map((tr) => ({ id: tr.dataset.id, cells: Object.fromEntries([...tr.children].map((c) => [c.dataset.col, c.textContent.trim()])) })),
    );
    const ranked = hoods.filter((h) => typeof h.need_rank === "number").length;
    const bad = [];
    for (const h of hoods) {
      const r = rows.find((x) => x.id === h.id);
      const want = {
        name: h.name,
        children: de(h[band]),
        share: de(h[`served_share_${band}`], 1, "percent"),
        gap: de(h[`gap_children_${band}`]),
        rank: `${h.need_rank} / ${ranked}`,
        driver: h.need_driver_label?.de ?? "–",
      };
      if (!r || Object.entries(want).some(([k, v]) => r.cells[k] !== v)) bad.push(`${h.name}: ${JSON.stringify(r?.cells)} ≠ ${JSON.stringify(want)}`);
    }
    check(rows.length === hoods.length && bad.length === 0, `${band}: every table row equals /api/neighbourhoods in German formats (${rows.length} rows; ${bad.slice(0, 2).join(" | ")})`);
  }
  await page.click("#bands button:nth-child(1)");
  await page.click('#hood-table th[data-col="share"] button');
  const byShare = await page.$$eval("#hood-table tbody tr[data-id]", (trs) => trs.map((tr) => tr.dataset.id));
  const wantShare = [...hoods].sort((a, b) => b.served_share_age_0_5 - a.served_share_age_0_5).map((h) => h.served_share_age_0_5);
  check(JSON.stringify(byShare.map((id) => hoods.find((h) => h.id === id).served_share_age_0_5)) === JSON.stringify(wantShare), "sorting by share orders the rows by /api's served_share_age_0_5, largest first");
  await page.click('#hood-table th[data-col="gap"] button');
  const byGap = await page.$$eval("#hood-table tbody tr[data-id]", (trs) => trs.map((tr) => tr.dataset.id));
  check(byGap.map((id) => hoods.find((h) => h.id === id).gap_children_age_0_5).every((v, i, a) => i === 0 || a[i - 1] >= v), "sorting by children without a play place orders the rows, largest first");
  const pick = hoods.find((h) => h.need_rank === 1) ?? hoods[0];
  await page.fill("#table-filter", pick.name.slice(0, 4));
  const filtered = await page.$$eval("#hood-table tbody tr[data-id]", (trs) => trs.map((tr) => tr.dataset.id));
  check(filtered.includes(pick.id) && filtered.length === hoods.filter((h) => h.name.toLowerCase().includes(pick.name.slice(0, 4).toLowerCase())).length, `the filter "${pick.name.slice(0, 4)}" keeps the matching rows (${filtered.length})`);
  await page.fill("#table-filter", "");
  // Row → map: the row's neighbourhood is outlined and its panel opens; keyboard (Enter) and focus back on Esc.
  await page.focus(`#hood-table tr[data-id="${pick.id}"]`);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#panel:not([hidden])", { timeout: 10000 });
  const outlined = await page.evaluate(() => window.spielraumMap.getSource("hood-highlight")?._data?.features?.map((f) => f.properties.id) ?? window.spielraumMap.querySourceFeatures("hood-highlight").map((f) => f.properties.id));
  check(JSON.stringify([...new Set(outlined)]) === JSON.stringify([pick.id]), `Enter on a row outlines ${pick.name} on the map (${JSON.stringify(outlined)})`);
  const panelText = await page.textContent("#panel");
  const ranked = hoods.filter((h) => typeof h.need_rank === "number").length;
  check(panelText.includes(`Rang ${pick.need_rank} von ${ranked}`), `the panel says "Rang ${pick.need_rank} von ${ranked}"`);
  const driverText = pick.need_driver_label ? `Rang ${pick.need_rank} von ${ranked} — vor allem: ${pick.need_driver_label.de}` : `Rang ${pick.need_rank} von ${ranked}`;
  check(panelText.includes(driverText), `the panel names the need's main driver in words ("${driverText}")`);
  check(panelText.includes("Spielfläche je Kind im Stadtteil") && panelText.includes("Erreichbare Spielfläche je Kind (2SFCA)") && panelText.includes("200 m"), "the panel names both area indicators apart and states the 200 m limit of 0–5");
  check((await page.$$("#panel details.whatis")).length >= 4, "each indicator has a “Was bedeutet das?”");
  await page.keyboard.press("Escape");
  check(await page.evaluate((id) => document.activeElement?.dataset?.id === id, pick.id), "Escape closes the panel and gives the focus back to the row");
  // Map → row: clicking the neighbourhood on the map selects its row.
  await page.evaluate(() => window.spielraumMap.jumpTo({ center: [9.5209, 47.141], zoom: 13 }));
  await settled(page);
  const hit = await page.evaluate(() => {
    const m = window.spielraumMap;
    const c = m.getCanvas();
    const r = c.getBoundingClientRect();
    const f = m.queryRenderedFeatures([c.clientWidth / 2, c.clientHeight / 2], { layers: ["neighbourhoods-fill"] })[0];
    return f ? { x: r.left + c.clientWidth / 2, y: r.top + c.clientHeight / 2, id: f.properties.id } : null;
  });
  if (hit) {
    await page.mouse.click(hit.x, hit.y);
    await page.waitForTimeout(300);
    check((await page.getAttribute(`#hood-table tr[data-id="${hit.id}"]`, "aria-selected")) === "true", `a click on the map selects the row of ${hit.id}`);
  } else check(false, "a neighbourhood is at the map centre");
  // Legend: the band's limit and a hatched gap entry that follows the band.
  const legendText = await page.textContent(".sidebar");
  check(legendText.includes("höchstens 200 m Fußweg") && legendText.includes("Versorgungslücke (0–5 Jahre)"), "the legend states the 0–5 walking limit and has a gap entry for 0–5");
  check(await page.evaluate(() => window.spielraumMap.getPaintProperty("gaps", "fill-pattern") === "gap-hatch" && JSON.stringify(window.spielraumMap.getFilter("gaps")).includes("gap_children_age_0_5")), "gap areas are hatched and follow the band");
  await page.click("#bands button:nth-child(2)");
  check((await page.textContent("#band-limit")).includes("400 m") && (await page.evaluate(() => JSON.stringify(window.spielraumMap.getFilter("gaps")).includes("gap_children_age_6_11"))), "band 6–11: legend says 400 m, gaps of 6–11");
  await page.click("#bands button:nth-child(1)");
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.querySelectorAll(".sidebar details").forEach((d) => (d.open = true)));
  await shot(page, "legend-de.png", { clip: { x: 0, y: 56, width: 300, height: 744 } });

  // --- 3. Downloads (routes of core17, contract item 7). ---
  const href = async (id) => new URL(await page.getAttribute(`#${id}`, "href"), server.url).pathname + new URL(await page.getAttribute(`#${id}`, "href"), server.url).search;
  const csvDe = await api(await href("dl-csv-de"));
  check(csvDe.status === 200 && /attachment;\s*filename=/.test(csvDe.headers.get("content-disposition") ?? ""), `German CSV downloads as a file (${csvDe.status}, ${csvDe.headers.get("content-disposition")})`);
  if (csvDe.status === 200) {
    const bytes = csvDe.body;
    const text = bytes.toString("utf8");
    check(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, "German CSV starts with the UTF-8 byte order mark");
    check(text.includes("\r\n"), "German CSV ends its lines with CRLF");
    const rows = parseCsv(text.replace(/^\uFEFF/, ""), ";").filter((r) => r.length > 1 || r[0] !== "");
    const width = rows[0]?.length ?? 0;
    check(width >= 5 && rows.every((r) => r.length === width), `German CSV splits into ${width} columns at ';' in every row`);
    check(rows.length === hoods.length + 1, `German CSV has a header and ${hoods.length} rows (${rows.length})`);
    const bad = hoods.filter((h) => {
      const r = rows.find((row) => row.includes(h.name));
      return !r || !BANDS.every((b) => r.some((c) => near(germanNumber(c), h[`served_share_${b}`] * 100)));
    });
    check(bad.length === 0, `each neighbourhood's shares read back as percent numbers with a decimal comma (${bad.map((h) => h.name).join(", ")})`);
    check(!rows.slice(1).some((r) => r.some((c) => /^-?\d+\.\d+$/.test(c))), "no cell of the German CSV has a decimal point");
  }
  const csv = await api(await href("dl-csv"));
  check(csv.status === 200 && csv.body.toString("utf8").split("\n")[0].includes(","), `machine CSV downloads (${csv.status})`);
  const xlsx = await api(await href("dl-xlsx"));
  check(xlsx.status === 200 && /attachment/.test(xlsx.headers.get("content-disposition") ?? ""), `XLSX downloads as a file (${xlsx.status})`);
  if (xlsx.status === 200) {
    const file = join(dir, "t.xlsx");
    writeFileSync(file, xlsx.body);
    const py = resolve(process.env.CI_VENV ?? resolve(root, "target/ci-venv"), "bin/python");
    const read = JSON.parse(
      execFileSync(py, ["-c", "import json,sys,openpyxl\nws=openpyxl.load_workbook(sys.argv[1]).active\nprint(json.dumps([[{'v':c.value,'f':c.number_format} for c in r] for r in ws.iter_rows()], default=str))", file]).toString(),
    );
    check(read.length === hoods.length + 1 && read[0].every((c) => typeof c.v === "string"), `XLSX reads back with openpyxl: a header row and ${hoods.length} rows (${read.length})`);
    const bad = hoods.filter((h) => {
      const r = read.find((row) => row.some((c) => c.v === h.name));
      return !r || !BANDS.every((b) => r.some((c) => typeof c.v === "number" && Math.abs(c.v - h[`served_share_${b}`]) < 1e-3 && c.f.includes("%")));
    });
    check(bad.length === 0, `XLSX holds each share as a number in percent format (${bad.map((h) => h.name).join(", ")})`);
  }
  const pdf = await api(await href("dl-pdf"));
  check(pdf.status === 200 && pdf.body.subarray(0, 5).toString() === "%PDF-", `the report link answers a PDF (${pdf.status})`);

  // --- 4. Keyboard-only placement; the headline equals /api/compare per band. ---
  await page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 16 }), vaduz);
  await settled(page);
  await page.focus("#scenario-planned-name");
  await page.keyboard.type("Spielplatz Städtle");
  await page.keyboard.press("Tab"); // area
  await page.keyboard.press("Tab"); // "Spielort in die Karte setzen"
  check(await page.evaluate(() => document.activeElement?.id === "scenario-add"), "Tab reaches the place button");
  await page.keyboard.press("Enter");
  check(await page.isVisible("#crosshair"), "placing shows a crosshair at the map centre");
  check(await page.evaluate(() => document.activeElement === window.spielraumMap.getCanvas()), "placing gives the map the keyboard");
  const start = await page.evaluate(() => window.spielraumMap.getCenter().toArray());
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((s) => Math.abs(window.spielraumMap.getCenter().lng - s[0]) > 1e-5 && !window.spielraumMap.isMoving(), start, { timeout: 10000 }).catch(() => {});
  const centre = await page.evaluate(() => window.spielraumMap.getCenter().toArray());
  const [placed] = await Promise.all([page.waitForResponse((r) => r.url().includes("/api/compare"), { timeout: 60000 }), page.keyboard.press("Enter")]);
  const sent = JSON.parse(placed.request().postData() ?? "{}").edits ?? [];
  const g = sent[0]?.geometry?.coordinates ?? [];
  check(centre[0] > start[0] && near(g[0], centre[0], 1e-5) && near(g[1], centre[1], 1e-5), `arrow keys moved the map and Enter placed the playground at the crosshair (${JSON.stringify(g)} vs ${JSON.stringify(centre)})`);
  check(sent[0]?.name === "Spielplatz Städtle", `the planned site carries its name (${sent[0]?.name})`);
  check(await page.evaluate(() => document.activeElement?.id === "scenario-add"), "the focus returns to the place button");
  await page.waitForSelector("#scenario-headline", { timeout: 30000 });
  const cmp = (await api("/api/compare", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ edits: sent }) })).body;
  for (const band of BANDS) {
    await page.click(`#bands button:nth-child(${BANDS.indexOf(band) + 1})`);
    const h = await page.evaluate(() => ({ ...document.getElementById("scenario-headline").dataset, text: document.getElementById("scenario-headline").textContent }));
    const net = cmp.totals.change[`served_children_${band}`];
    const gained = cmp.totals.gained?.[band];
    const lost = cmp.totals.lost?.[band];
    check(h.band === band && Number(h.net) === net, `${band}: headline's net equals /api/compare's served_children change (${h.net} vs ${net})`);
    // Gained and lost apart, as /api/compare's totals give them; the net in brackets is theirs.
    const saysGained = Math.round(gained) > 0 ? h.text.includes(`+${de(gained)} Kinder neu versorgt`) : h.text.includes("kein Kind neu versorgt");
    const saysLost = Math.round(lost) > 0 ? h.text.includes(`−${de(lost)} verlieren Versorgung`) : h.text.includes("keines verliert die Versorgung");
    const shownNet = Math.round(gained) - Math.round(lost);
    const saysNet = h.text.includes(`(netto ${shownNet > 0 ? "+" : shownNet < 0 ? "−" : ""}${de(Math.abs(shownNet))})`);
    check(
      typeof gained === "number" && Number(h.gained) === gained && Number(h.lost) === lost && saysGained && saysLost && saysNet,
      `${band}: headline shows gained and lost of /api/compare apart and their net ("${h.text}"; gained ${gained}, lost ${lost})`,
    );
  }
  await page.click("#bands button:nth-child(1)");
  const total = await page.textContent("#scenario-total-share");
  check(/Prozentpunkte/.test(total) && !/pp\b/.test(total) && /\d,\d\s%/.test(total), `the whole-city share reads in German formats ("${total}")`);
  check(await page.evaluate(() => window.spielraumMap.getSource("scenario-cells") !== undefined && window.spielraumMap.getLayer("scenario-change") === undefined), "the change is drawn as cells, not as a veil over neighbourhoods");
  const cellsShown = await page.evaluate(() => window.spielraumMap.querySourceFeatures("scenario-cells").length);
  check(cellsShown > 0 && placed.url().includes("cells=100"), `100 m cells gained/lost drawn (${cellsShown}; ${placed.url()})`);
  const catchment = await page.waitForFunction(() => window.spielraumMap.querySourceFeatures("scenario-catchment").length > 0, null, { timeout: 15000 }).then(() => true, () => false);
  const reachM = await page.evaluate(() => window.spielraumMap.querySourceFeatures("scenario-catchment")[0]?.properties.metres);
  check(catchment && Math.abs(reachM - 200) < 1, `the planned playground's catchment is drawn, 200 m for 0–5 (${reachM} m)`);
  check(await page.evaluate(() => window.spielraumMap.querySourceFeatures("scenario-gaps").length > 0), "the gap areas after the edit are drawn");
  await page.evaluate(() => {
    window.spielraumMap.zoomTo(15.5, { duration: 0 });
    document.querySelector(".sidebar").scrollTop = document.getElementById("scenario-edits").offsetTop - 60;
  });
  await settled(page);
  await shot(page, "scenario-effect-de.png");

  // --- 5. No English in the German UI: every panel open, every visible string. ---
  const english = Object.entries(strings.en)
    .filter(([k, v]) => v !== strings.de[k] && v.replace(/\{\w+\}/g, "").trim().length > 2)
    .map(([k, v]) => [k, new RegExp(`^${v.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}/g, ".+?")}$`)]);
  // A string, or a part of it between " · ", ": ", brackets or commas, that is an English text of the dictionary.
  const parts = (s) => [s, ...s.split(/\s[·|]\s|:\s|[()]|,\s/).map((x) => x.trim()).filter(Boolean)];
  const seen = new Set();
  const englishIn = async (p) => {
    await p.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
    const visible = await p.evaluate(() => {
      const out = new Set();
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const s = n.textContent.trim();
        const e = n.parentElement;
        if (s && e && e.getClientRects().length && getComputedStyle(e).visibility !== "hidden" && !e.closest("option,textarea,script,style")) out.add(s);
      }
      document.querySelectorAll("[placeholder],[aria-label],[title]").forEach((e) => ["placeholder", "aria-label", "title"].forEach((a) => e.getAttribute(a) && out.add(e.getAttribute(a))));
      document.querySelectorAll("select option").forEach((o) => out.add(o.textContent.trim()));
      return [...out];
    });
    visible.forEach((v) => seen.add(v));
    return visible.flatMap((s) => parts(s).flatMap((x) => english.filter(([, re]) => re.test(x)).map(([k]) => `${k}: "${s}"`)));
  };
  const found = [];
  await page.click(`#hood-table tr[data-id="${pick.id}"]`);
  await page.waitForSelector("#panel:not([hidden])", { timeout: 10000 });
  await page.click("#tab-facilities");
  const firstFacility = await page.$("#facility-list button");
  await firstFacility?.click();
  await page.waitForSelector(".facility-popup", { timeout: 10000 }).catch(() => {});
  found.push(...(await englishIn(page)));
  await page.keyboard.press("Escape");
  check(await page.evaluate(() => !document.querySelector(".facility-popup") && document.activeElement?.closest("#facility-list") !== null), "Escape closes the facility popup and gives the focus back to the list");
  await page.click("#tab-gaps");
  await page.waitForFunction(() => document.getElementById("gap-note").textContent !== "wird berechnet …", null, { timeout: 20000 }).catch(() => {});
  found.push(...(await englishIn(page)));
  const gapItems = await page.$$eval("#gap-list button", (bs) => bs.length);
  check(gapItems > 0, `the gaps tab lists the gap areas of 0–5 for the keyboard (${gapItems}; needs gap_areas of /api/compare?gaps=1)`);
  await page.click("#tab-hoods");
  // --- 6. A suggestion planned with "Hier planen" gives exactly its gains (contract item 6). ---
  const s2 = await open("de-DE");
  await s2.page.fill("#suggest-count", "3");
  const [sug] = await Promise.all([s2.page.waitForResponse((r) => r.url().includes("/api/suggest?")), s2.page.click("#suggest-form button[type=submit]")]);
  const first = (await sug.json()).suggestions?.[0];
  await s2.page.waitForSelector("#suggest-list li.suggestion", { timeout: 20000 }).catch(() => {});
  const item = await s2.page.textContent("#suggest-list li.suggestion").catch(() => "");
  check(first?.label !== undefined && item.includes(first.label) && !/amenity=|\(w\d+\)/.test(item), `suggestions are listed by label ("${item.slice(0, 80)}")`);
  if (first?.gained_alone && first?.edit) {
    check(item.includes(`+${de(first.gained_alone.total)} Kinder`), `the figure with the button is gained_alone (${first.gained_alone.total})`);
    await s2.page.fill("#suggest-list li.suggestion:first-child .plan-name", "Neuer Platz am Parkplatz");
    const [planned] = await Promise.all([s2.page.waitForResponse((r) => r.url().includes("/api/compare")), s2.page.click("#suggest-list li.suggestion:first-child .plan-btn")]);
    const plannedEdit = JSON.parse(planned.request().postData() ?? "{}").edits?.[0];
    const body = await planned.json();
    check(JSON.stringify(plannedEdit.geometry) === JSON.stringify(first.edit.geometry) && plannedEdit.area_m2 === first.edit.area_m2 && plannedEdit.name === "Neuer Platz am Parkplatz", "“Hier planen” sends the evaluated edit with the planner's name");
    const diffs = [...BANDS, "total"].filter((b) => !near(body.totals.gained?.[b], first.gained_alone[b]));
    check(diffs.length === 0, `planning it gains exactly gained_alone per band (${JSON.stringify(body.totals.gained)} vs ${JSON.stringify(first.gained_alone)})`);
    await s2.page.waitForSelector("#scenario-headline", { timeout: 20000 });
    check((await s2.page.textContent("#scenario-headline")).includes(`+${de(first.gained_alone.age_0_5)} Kinder neu versorgt`), "the headline shows the suggestion's 0–5 gain");
  } else check(false, "suggestions carry edit and gained_alone (contract item 6)");
  check(s2.errors.length === 0, `no page errors on the suggestion page (${s2.errors.join(" | ")})`);
  found.push(...(await englishIn(s2.page)));
  check(seen.size > 150 && found.length === 0, `no English dictionary text in the German UI: panel, popup, table tabs, scenario effect, suggestions (${seen.size} strings; ${[...new Set(found)].slice(0, 5).join(" | ")})`);

  // --- 7. Token step: creating a scenario waits for the edit key; an error speaks by code. ---
  check(await page.evaluate(() => document.querySelector("#scenario-new button").disabled && !document.getElementById("scenario-token-first").hidden), "without the edit key, creating a scenario is not offered and the key is asked for first");
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
  check(outside.length === 0, `no request leaves localhost (${outside.join(", ")})`);
  // (After the page-error check: the browser logs the refused request.)
  // A wrong key: the planner reads the German sentence of the error code (contract item 1), not the server's English.
  await page.fill("#edit-token", "not-the-key");
  await page.fill("#scenario-name", "Falscher Schlüssel");
  const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/scenarios") && r.request().method() === "POST"), page.click("#scenario-new button[type=submit]")]);
  const refusedBody = await refused.json();
  await page.waitForFunction(() => document.getElementById("scenario-status").className === "error", null, { timeout: 10000 }).catch(() => {});
  const said = await page.textContent("#scenario-status");
  check(refused.status() === 403 && refusedBody.code === "token_wrong" && said === strings.de.err_token_wrong, `a wrong edit key reads "${said}" (${refused.status()} ${JSON.stringify(refusedBody)})`);
} catch (err) {
  check(false, `test crashed: ${err.stack ?? err}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
finish();
