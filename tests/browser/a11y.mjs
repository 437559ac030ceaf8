// Accessibility of the served pages (issue 20, WCAG 2.1 AA) in Debian's chromium, driven by
// playwright-core: axe-core on `/` (German, English, with the panel open, the phone sidebar
// open), `/embed` (desktop and 375 × 667) and `/table`; a keyboard-only walk through every
// control of `/` (tab order asserted, visible focus, no trap, Escape back to the opener, the
// facility list opening a facility by Enter); the table alternative's figures against
// `/api/neighbourhoods`; the live announcements against `/api/reach`; reduced motion; reflow
// at 320 and 640 CSS px; hatched gap areas in the embed.
//
// Usage: node tests/browser/a11y.mjs CITY.gpkg
//   SPIELRAUM_BIN=target/release/spielraum  binary to start, serving CITY.gpkg on a free port
// The axe results go to test-artifacts/axe/*.json.
import { resolve } from "node:path";

/** A place's name as the English pages give it (docs/interfaces.md, `/api/reach`'s `street`). */
const KIND_EN = {
  playground: "Playground",
  kindergarten: "Kindergarten",
  school: "School",
  open_space: "Park / green space",
  library: "Library",
  youth_centre: "Youth centre",
  family_centre: "Family centre",
  sports_pitch: "Sports pitch",
  community_garden: "Community garden",
};
const visitorName = (p) => p.name ?? (p.street ? `${KIND_EN[p.kind] ?? p.kind} near ${p.street}` : "unnamed");
import { artifacts, axe, check, finish, isLocal, launchBrowser, openMap, reflowFaults, startServe } from "./lib.mjs";

const city = process.argv[2] ?? process.env.SPIELRAUM_CITY;
if (!city) throw new Error("give CITY.gpkg as argument");
const server = await startServe(city);
const browser = await launchBrowser();
const open = (path, opts = {}) => openMap(browser, `${server.url}${path}`, { locale: "de-DE", allowed: isLocal, ...opts });
const settle = (page) => page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded() && !window.spielraumMap.isMoving(), null, { timeout: 60000 });

/** The planner's data is in (table rows drawn). */
const ready = (page) => page.waitForSelector("body[data-ready='1'] #hood-table tbody tr[data-id]", { timeout: 60000 });

/**
 * What the focused element is, for the tab order: its id, else `role:name` from its label,
 * text or aria-label. Also whether its focus is visible (an outline or a box shadow).
 */
const focused = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { key: "(body)", visible: true };
    const name = (e.getAttribute("aria-label") || e.labels?.[0]?.textContent || e.textContent || e.getAttribute("title") || "").replace(/\s+/g, " ").trim();
    const tag = e.tagName.toLowerCase();
    let key = e.id ? `#${e.id}` : `${e.getAttribute("role") ?? tag}:${name.slice(0, 40)}`;
    if (tag === "tr" && e.dataset.id) key = "row";
    if (e.closest("#hood-table thead")) key = `sort:${e.closest("th").dataset.col}`;
    if (e.classList.contains("maplibregl-canvas")) key = "map";
    const s = getComputedStyle(e);
    // WCAG 1.4.11: the ring stands out at least 3:1 against the white page.
    const lum = (rgb) => {
      const [r, g, b] = (rgb.match(/[\d.]+/g) ?? ["255", "255", "255"]).slice(0, 3).map((v) => Number(v) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = 1.05 / (lum(s.outlineColor) + 0.05);
    const ring = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 && contrast >= 3;
    const visible = ring || (s.boxShadow && s.boxShadow !== "none");
    return { key, visible, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}, ${contrast.toFixed(1)}:1` };
  });

try {
  const api = await (await fetch(`${server.url}/api/neighbourhoods`)).json();

  // --- 1. The planner in German: axe, the language, the links to the table ---
  const p = await open("/");
  const page = p.page;
  await ready(page);
  check((await page.evaluate(() => document.documentElement.lang)) === "de", "planner: <html lang> is de for a German browser");
  await axe(page, "planner-de");
  check((await page.getAttribute("#table-page-link", "href")) === "/table?lang=de" && (await page.isVisible("#table-page-link")), "planner: a visible link „Tabelle statt Karte“ to /table");

  // --- 2. Keyboard only: the tab order from the top of the page, visible focus, no trap ---
  await page.evaluate(() => document.activeElement?.blur());
  await page.evaluate(() => window.scrollTo(0, 0));
  const walk = [];
  const invisible = [];
  for (let i = 0; i < 400; i += 1) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (walk.length > 0 && (f.key === walk[0] || f.key === "(body)")) {
      walk.push(f.key);
      break;
    }
    walk.push(f.key);
    if (!f.visible) invisible.push(`${f.key} (${f.outline})`);
  }
  // Rows collapse into one entry per run, so that the order reads as the page is built.
  const order = walk.filter((k, i) => !(k === "row" && walk[i - 1] === "row"));
  const rows = walk.filter((k) => k === "row").length;
  console.log(`     tab order: ${order.join(" → ")}`);
  const expected = [
    "#skip-link",
    "#search",
    "button:DE",
    "button:EN",
    // The sidebar: the checked age band and time (arrow keys move within each), legend, layers,
    // reach.
    "radio:0–5",
    "radio:Immer",
    "summary:Was bedeutet das?",
    "input:Stadtteile",
    "input:Einrichtungen",
    "input:Versorgungslücken",
    "input:Gebäude",
    "input:Einwohner",
    "#reach-mode",
    "#reach-minutes",
    // Scenarios (the sketch: kind, name, area, place or draw), suggestions, the embed snippet.
    "#filter-department",
    "#filter-status",
    "#scenario-select",
    "#scenario-kind",
    "#scenario-planned-name",
    "#scenario-area",
    "#scenario-add",
    "#scenario-draw",
    "#scenario-street-hours",
    "#scenario-street",
    "#scenario-show-change",
    "#suggest-kind",
    "#suggest-count",
    "button:Vorschlagen",
    "#embed-snippet",
    "#embed-copy",
    // The map: the table instead, hiding the table, the map itself, zoom, the sources.
    "#table-page-link",
    "#table-toggle",
    "map",
    "button:Vergrößern",
    "button:Verkleinern",
    "a:OpenStreetMap contributors",
    // The drawer: the selected tab (arrows move between tabs), filter, downloads, sortable
    // columns, the neighbourhood rows.
    "#tab-hoods",
    "#table-filter",
    "#dl-csv-de",
    "#dl-xlsx",
    "#dl-pdf",
    "#dl-csv",
    "sort:name",
    "sort:children",
    "sort:share",
    "sort:gap",
    "sort:rank",
    "sort:driver",
    "row",
    "(body)",
  ];
  const mismatch = expected.findIndex((k, i) => k !== (order[i] ?? "—"));
  check(mismatch === -1 && order.length === expected.length, `keyboard: the tab order of / is the expected one (first difference at ${mismatch}: want ${expected[mismatch]}, got ${order[mismatch]})`);
  check(rows === api.features.length, `keyboard: every neighbourhood row is reachable (${rows} of ${api.features.length})`);
  check(invisible.length === 0, `keyboard: the focus is visible on every control, a ring of at least 2 px and 3:1 against white (${invisible.join(", ") || "on all"})`);
  check(order.at(-1) === "(body)", "keyboard: no trap, Tab leaves the last control and starts again at the top");
  await page.keyboard.press("Tab");
  check((await focused(page)).key === "#skip-link", "keyboard: after the last control Tab comes back to the skip link");

  // The skip link leads to the table.
  await page.keyboard.press("Enter");
  check(await page.evaluate(() => document.activeElement?.id === "drawer"), "keyboard: the skip link moves the focus to the neighbourhood table");

  // Enter on a row opens its panel (focus in it); Escape closes it and returns to the row.
  await page.focus("#hood-table tbody tr[data-id]");
  const rowId = await page.evaluate(() => document.activeElement.dataset.id);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#panel:not([hidden])", { timeout: 10000 });
  check(await page.evaluate(() => document.activeElement?.id === "panel"), "keyboard: Enter on a row opens the panel and focuses it");
  await page.waitForFunction(() => document.getElementById("said").textContent !== "", null, { timeout: 5000 }).catch(() => {});
  const rowName = api.features.find((f) => String(f.properties.id) === rowId)?.properties.name;
  check((await page.textContent("#said")).startsWith(`${rowName}:`), `the live region names the neighbourhood opened („${await page.textContent("#said")}“)`);
  await settle(page);
  await axe(page, "planner-panel-de");
  await page.keyboard.press("Escape");
  check((await page.isHidden("#panel")) && (await page.evaluate(() => document.activeElement?.dataset.id)) === rowId, "keyboard: Escape closes the panel and returns the focus to its row");

  // The facility list: reached by the tabs (arrow keys), Enter opens the facility's popup.
  await page.focus("#tab-hoods");
  await page.keyboard.press("ArrowRight");
  check(await page.isVisible("#facility-list li button"), "keyboard: → on the tabs shows the facility list");
  await page.focus("#facility-list li button");
  const facilityName = (await page.textContent("#facility-list li button")).split(" · ")[0];
  await page.keyboard.press("Enter");
  const popup = await page.waitForSelector(".maplibregl-popup .facility-popup", { timeout: 15000 }).then(() => true, () => false);
  check(popup && (await page.textContent(".maplibregl-popup h3")) === facilityName, `keyboard: Enter on „${facilityName}“ in the list opens its popup on the map`);
  await axe(page, "planner-popup-de");
  check(await page.evaluate(() => !!document.activeElement?.closest(".maplibregl-popup")), `keyboard: the popup takes the focus (${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))})`);
  await page.keyboard.press("Escape");
  check((await page.$(".maplibregl-popup")) === null && (await page.evaluate(() => document.activeElement?.closest("#facility-list") !== null)), "keyboard: Escape closes the popup and returns to the list");

  // --- 3. English: lang attribute and axe ---
  await page.click('[data-lang="en"]');
  check((await page.evaluate(() => document.documentElement.lang)) === "en" && (await page.getAttribute("#table-page-link", "href")) === "/table?lang=en", "planner: EN switches <html lang> and the table link to English");
  check((await page.textContent("#table-page-link")) === "Table instead of map", "planner: the link reads „Table instead of map“");
  await axe(page, "planner-en");

  // --- 4. Reach mode: the live region says the nearest place as /api/reach gives it ---
  const vaduz = [9.5209, 47.141];
  await page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 14 }), vaduz);
  await settle(page);
  await page.check("#reach-mode");
  const spot = await page.evaluate((c) => {
    const m = window.spielraumMap;
    const pt = m.project(c);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + pt.x, y: r.top + pt.y };
  }, vaduz);
  const [reachAnswer] = await Promise.all([page.waitForResponse((r) => r.url().includes("/api/reach?")), page.mouse.click(spot.x, spot.y)]);
  const reached = (await reachAnswer.json()).features.filter((f) => f.properties.type === "facility");
  await page.waitForFunction(() => document.getElementById("said").textContent.startsWith("Nearest"), null, { timeout: 10000 }).catch(() => {});
  const said = await page.textContent("#said");
  const near = [...reached].sort((a, b) => a.properties.distance_m - b.properties.distance_m)[0]?.properties;
  check(
    near !== undefined && said.startsWith(`Nearest: ${visitorName(near)}${near.name ? " (" : ","}`) && said.includes(`${Math.round(near.distance_m).toLocaleString("en-GB")} m on foot`) && said.includes(`${reached.length} places`),
    `reach: the live region says „${said}“ (/api/reach: ${near?.name}, ${near?.distance_m} m, ${reached.length} places)`,
  );
  await page.uncheck("#reach-mode");
  check(p.errors.length === 0, `planner: no page errors (${p.errors.join(" | ")})`);
  await p.context.close();

  // --- 5. Reduced motion: opening a facility moves the map at once, no flight ---
  const rm = await open("/");
  await ready(rm.page);
  // The skip link slides in: a transition the reduced motion turns off.
  const fade = () => rm.page.evaluate(() => getComputedStyle(document.getElementById("skip-link")).transitionDuration);
  const fadeBefore = await fade();
  await rm.page.emulateMedia({ reducedMotion: "reduce" });
  await rm.page.click("#tab-facilities");
  const before = await rm.page.evaluate(() => window.spielraumMap.getCenter().toArray());
  await rm.page.focus("#facility-list li button");
  await rm.page.keyboard.press("Enter");
  // One animation frame later a flight would have just begun; a jump has arrived.
  const after = await rm.page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => ok({ moving: window.spielraumMap.isMoving(), zoom: window.spielraumMap.getZoom(), c: window.spielraumMap.getCenter().toArray() }))));
  check(after.zoom >= 16 && !after.moving && (after.c[0] !== before[0] || after.c[1] !== before[1]), `reduced motion: the map jumps to the facility (zoom ${after.zoom.toFixed(1)} at once, moving: ${after.moving})`);
  const fadeAfter = await fade();
  check(fadeBefore !== "0s" && fadeAfter === "0s", `reduced motion: no CSS transitions (the skip link's slide ${fadeBefore} before, ${fadeAfter} after)`);
  await rm.context.close();

  // --- 6. The phone sidebar open, and reflow at 320 and 640 CSS px (200 % of 1280) ---
  const phone = await open("/", { viewport: { width: 375, height: 667 } });
  await ready(phone.page);
  await phone.page.click("#sidebar-toggle");
  await axe(phone.page, "planner-phone-sidebar-de");
  await phone.context.close();
  for (const width of [320, 640]) {
    for (const path of ["/", "/embed?lang=de", "/table?lang=de"]) {
      const o = path.startsWith("/table")
        ? await (async () => {
            const context = await browser.newContext({ locale: "de-DE", viewport: { width, height: 640 } });
            const pg = await context.newPage();
            await pg.goto(`${server.url}${path}`);
            await pg.waitForSelector("body[data-ready='1']", { timeout: 30000 });
            return { page: pg, context };
          })()
        : await open(path, { viewport: { width, height: 640 } });
      if (path === "/") await ready(o.page);
      const faults = await reflowFaults(o.page);
      check(faults.length === 0, `reflow ${width} px ${path}: no sideways scrolling, no control cut off or covered (${faults.join("; ") || "ok"})`);
      await o.page.screenshot({ path: resolve(artifacts, `reflow-${width}-${path.replace(/\W+/g, "_")}.png`) });
      await o.context.close();
    }
  }

  // --- 7. The table alternative: same figures as /api/neighbourhoods, sortable, CSV ---
  const tctx = await browser.newContext({ locale: "de-DE", viewport: { width: 1280, height: 900 } });
  const tp = await tctx.newPage();
  const terrors = [];
  tp.on("pageerror", (e) => terrors.push(String(e)));
  tp.on("console", (m) => m.type() === "error" && terrors.push(m.text()));
  await tp.goto(`${server.url}/table?lang=de&back=${encodeURIComponent("/embed?lang=de")}`);
  await tp.waitForSelector("body[data-ready='1']", { timeout: 30000 });
  await axe(tp, "table-de");
  const cells = await tp.$$eval("#indicator-table tbody tr", (trs) =>
    trs.map((tr) => ({ id: tr.dataset.id, name: tr.querySelector("th").textContent, cells: Object.fromEntries([...tr.querySelectorAll("td")].map((td) => [td.dataset.col, { v: td.dataset.value, text: td.textContent }])) })),
  );
  const de = (v, o = {}) => (typeof v === "number" ? new Intl.NumberFormat("de-DE", o).format(v) : "–");
  const wanted = {
    population_total: (q) => [q.population_total, de(q.population_total, { maximumFractionDigits: 0 })],
    ...Object.fromEntries(
      ["age_0_5", "age_6_11", "age_12_17"].flatMap((b) => [
        [b, (q) => [q[b], de(q[b], { maximumFractionDigits: 0 })]],
        [`served_share_${b}`, (q) => [q[`served_share_${b}`], de(q[`served_share_${b}`], { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 })]],
        [`gap_children_${b}`, (q) => [q[`gap_children_${b}`], de(q[`gap_children_${b}`], { maximumFractionDigits: 0 })]],
      ]),
    ),
    play_area_m2_per_child: (q) => [q.play_area_m2_per_child, de(q.play_area_m2_per_child, { minimumFractionDigits: 1, maximumFractionDigits: 1 })],
    need_rank: (q) => [q.need_rank, de(q.need_rank, { maximumFractionDigits: 0 })],
  };
  const wrong = [];
  for (const f of api.features) {
    const q = f.properties;
    const row = cells.find((r) => r.id === String(q.id));
    if (!row || row.name !== q.name) {
      wrong.push(`${q.name}: no row`);
      continue;
    }
    for (const [col, want] of Object.entries(wanted)) {
      const [v, text] = want(q);
      const got = row.cells[col];
      const same = typeof v === "number" ? Number(got?.v) === v && got?.v !== "" : got?.v === "";
      if (!same || got?.text !== text) wrong.push(`${q.name} ${col}: ${got?.v}/${got?.text} vs ${v}/${text}`);
    }
  }
  check(cells.length === api.features.length && wrong.length === 0, `table: every row and band equals /api/neighbourhoods (${cells.length} rows × ${Object.keys(wanted).length} figures; ${wrong.slice(0, 5).join("; ") || "all equal"})`);
  const headers = await tp.$$eval("#indicator-table thead tr:last-child th", (ths) => ths.map((th) => ({ scope: th.getAttribute("scope"), sort: th.getAttribute("aria-sort"), button: !!th.querySelector("button") })));
  check(
    (await tp.$("#indicator-table caption")) !== null && headers.length === 13 && headers.every((h) => h.scope === "col" && h.button) && headers.filter((h) => h.sort !== "none").length === 1,
    `table: a caption, 13 column headers with scope and sort buttons, aria-sort on one (${headers.map((h) => h.sort).join(",")})`,
  );
  await tp.focus('#indicator-table thead button[data-col="served_share_age_0_5"]');
  await tp.keyboard.press("Enter");
  const sortedShares = await tp.$$eval('#indicator-table tbody td[data-col="served_share_age_0_5"]', (tds) => tds.map((td) => td.dataset.value).filter((v) => v !== "").map(Number));
  check(
    (await tp.getAttribute('#indicator-table th[data-col="served_share_age_0_5"]', "aria-sort")) === "descending" &&
      sortedShares.every((v, i) => i === 0 || sortedShares[i - 1] >= v) &&
      (await tp.evaluate(() => document.activeElement?.dataset.col)) === "served_share_age_0_5",
    `table: Enter on a column's button sorts by it, largest first, aria-sort="descending", focus stays (${sortedShares.join(", ")})`,
  );
  await tp.keyboard.press("Enter");
  check((await tp.getAttribute('#indicator-table th[data-col="served_share_age_0_5"]', "aria-sort")) === "ascending", "table: Enter again sorts ascending");
  const csvHref = await tp.getAttribute("#csv-link", "href");
  const csv = await fetch(new URL(csvHref, server.url));
  const csvText = await csv.text();
  check(csv.ok && csvHref === "/api/neighbourhoods.csv?lang=de" && api.features.every((f) => csvText.includes(f.properties.name)), `table: the CSV download (${csvHref}) answers ${csv.status} with every neighbourhood`);
  check((await tp.getAttribute("#back-link", "href")) === "/embed?lang=de", "table: „Karte statt Tabelle“ leads back to where it was opened from");
  await tp.click('[data-lang="en"]');
  check((await tp.evaluate(() => document.documentElement.lang)) === "en" && (await tp.textContent("#indicator-table caption")).startsWith("Children with a play place"), "table: EN switches <html lang> and the table");
  // ?back= leads only to a path of this server, never to another host.
  for (const bad of ["//evil.example/", "/\\evil.example/", "https://evil.example/"]) {
    await tp.goto(`${server.url}/table?lang=de&back=${encodeURIComponent(bad)}`);
    await tp.waitForSelector("body[data-ready='1']", { timeout: 30000 });
    const href = await tp.getAttribute("#back-link", "href");
    check(href === "/", `table: ?back=${bad} is refused, the link leads to / (${href})`);
  }
  check(terrors.length === 0, `table: no page errors (${terrors.join(" | ")})`);
  await tctx.close();

  // --- 8. The embed: axe on desktop and a phone, the table link, the announcement, hatched gaps ---
  const e = await open("/embed?layer=gaps&kind=&lang=en", { locale: "en-GB" });
  await axe(e.page, "embed-en");
  const tableLink = await e.page.getAttribute("#table-link", "href");
  check(
    (await e.page.isVisible("#table-link")) && (await e.page.textContent("#table-link")) === "Table instead of map" && tableLink.startsWith("/table?lang=en&back="),
    `embed: a visible link „Table instead of map“ (${tableLink})`,
  );
  const hatch = await e.page.evaluate(() => {
    const m = window.spielraumMap;
    const gaps = m.getStyle().metadata["spielraum:layers"].gaps;
    const order = m.getStyle().layers.map((l) => l.id);
    return {
      pattern: m.getPaintProperty("gaps-hatch", "fill-pattern"),
      above: order.indexOf("gaps-hatch") === order.indexOf(gaps) + 1,
      drawn: m.queryRenderedFeatures({ layers: ["gaps-hatch"] }).length,
      image: m.hasImage("gap-hatch"),
    };
  });
  check(hatch.pattern === "gap-hatch" && hatch.above && hatch.image && hatch.drawn > 0, `embed ?layer=gaps: gap areas hatched by a pattern layer over the gap layer (${JSON.stringify(hatch)})`);
  await e.page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 14 }), vaduz);
  await settle(e.page);
  const espot = await e.page.evaluate((c) => {
    const m = window.spielraumMap;
    const pt = m.project(c);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + pt.x, y: r.top + pt.y };
  }, vaduz);
  const [eAnswer] = await Promise.all([e.page.waitForResponse((r) => r.url().includes("/api/reach?")), e.page.mouse.click(espot.x, espot.y)]);
  const eReached = (await eAnswer.json()).features.filter((f) => f.properties.type === "facility");
  await e.page.waitForFunction(() => document.getElementById("embed-said").textContent !== "", null, { timeout: 10000 }).catch(() => {});
  const eSaid = await e.page.textContent("#embed-said");
  const eNear = [...eReached].sort((a, b) => a.properties.distance_m - b.properties.distance_m)[0]?.properties;
  check(
    eNear !== undefined && eSaid.startsWith(`Nearest: ${visitorName(eNear)}${eNear.name ? " (" : ","}`) && eSaid.includes(`, ${Math.round(eNear.distance_m).toLocaleString("en-GB")} m on foot. ${eReached.length} places`),
    `embed: the live region says „${eSaid}“ (/api/reach: ${eNear?.name}, ${eNear?.distance_m} m)`,
  );
  await axe(e.page, "embed-en-result");
  check(e.errors.length === 0 && e.outside.length === 0, `embed: no page errors, nothing from other hosts (${[...e.errors, ...e.outside].join(" | ")})`);
  await e.context.close();
  const ep = await open("/embed?layer=facilities&kind=playground", { viewport: { width: 375, height: 667 } });
  await axe(ep.page, "embed-phone-de");
  await ep.context.close();
} catch (err) {
  check(false, `test crashed: ${err.stack ?? err}`);
} finally {
  await browser.close();
  await server.stop();
}
finish();
