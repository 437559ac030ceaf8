// Browser test of the web map and the embed in Debian's chromium, driven by playwright-core.
//
// Usage: node tests/browser/map.mjs [CITY.gpkg]
//   SPIELRAUM_URL=http://127.0.0.1:8080  test a running server instead of starting one
//   SPIELRAUM_BIN=target/debug/spielraum  binary to start (default), serving CITY.gpkg on a free port
//   CHROMIUM=/usr/bin/chromium            browser executable
// Screenshots go to test-artifacts/. Any request to a host other than localhost fails the test.
import { firstView, check, finish, isLocal, launchBrowser, openMap, rendered, artifacts, startServe } from "./lib.mjs";
import { resolve } from "node:path";

async function startServer() {
  if (process.env.SPIELRAUM_URL) return { url: process.env.SPIELRAUM_URL.replace(/\/$/, ""), stop: () => {} };
  const city = process.argv[2] ?? process.env.SPIELRAUM_CITY;
  if (!city) throw new Error("give CITY.gpkg as argument (or set SPIELRAUM_URL)");
  return startServe(city);
}

const server = await startServer();
const browser = await launchBrowser();
const openPage = (path, locale) => openMap(browser, `${server.url}${path}`, { locale, allowed: isLocal });

try {
  const neighbourhoods = await (await fetch(`${server.url}/api/neighbourhoods`)).json();

  // --- planner map, German browser ---
  const { page, errors, outside } = await openPage("/", "de-DE");
  check(await page.evaluate(() => document.documentElement.lang === "de"), "German UI for a German browser");
  check((await page.textContent(".sidebar")).includes("Altersgruppe"), "German sidebar text");
  const basemapLayers = ["landuse", "water", "waterways", "roads-major", "roads-secondary", "roads-minor", "railways", "buildings"];
  check((await rendered(page, basemapLayers)) > 0, "basemap features rendered");
  check((await rendered(page, ["neighbourhoods-fill"])) > 0, "neighbourhood features rendered");
  check((await rendered(page, ["facilities-point", "facilities-area"])) > 0, "facility features rendered");
  check(await page.evaluate(() => document.body.innerText.includes("OpenStreetMap")), "OSM attribution visible");
  // The legend draws the kinds in the colours /style.json gives them (the app keeps no copy).
  const style = await (await fetch(`${server.url}/style.json`)).json();
  const kindColours = style.metadata["spielraum:kind-colours"];
  const legendDots = await page.$$eval("#kind-legend .dot", (dots) => dots.map((d) => getComputedStyle(d).backgroundColor));
  const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;
  check(
    legendDots.length === style.metadata["spielraum:kinds"].length &&
      legendDots.every((c, i) => c === rgb(kindColours[style.metadata["spielraum:kinds"][i]])),
    `kind legend in the style's colours (${legendDots.join("; ")})`,
  );

  // Labels drawn by MapLibre from our own glyphs: streets, places, facility letters in Vaduz.
  const fontRequests = [];
  page.on("request", (r) => r.url().includes("/fonts/") && fontRequests.push(r.url()));
  await page.evaluate(() => window.spielraumMap.jumpTo({ center: [9.5209, 47.141], zoom: 16 }));
  await page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
  await page.waitForTimeout(500);
  const labelLayers = style.metadata["spielraum:label-layers"];
  const labelled = await page.evaluate((ids) => {
    const m = window.spielraumMap;
    return Object.fromEntries(ids.filter((id) => m.getLayer(id)).map((id) => [id, m.queryRenderedFeatures({ layers: [id] }).map((f) => f.properties.name ?? f.properties.letter ?? "")]));
  }, labelLayers);
  const streets = [...(labelled["labels-roads-minor"] ?? []), ...(labelled["labels-roads-major"] ?? [])];
  check(streets.length > 0 && (labelled["facilities-letter"] ?? []).length > 0, `street names and facility letters rendered at zoom 16 (${streets.slice(0, 4).join(", ")}; ${(labelled["facilities-letter"] ?? []).length} letters)`);
  const glyphs = await Promise.all(
    [...new Set(fontRequests)].map(async (u) => ({ u, status: (await fetch(u)).status })),
  );
  check(glyphs.length > 0 && glyphs.every((g) => g.status === 200 && new URL(g.u).origin === server.url), `glyphs come from our server (${glyphs.map((g) => new URL(g.u).pathname).join(", ")})`);
  await page.evaluate(() => window.spielraumMap.jumpTo({ center: [9.52, 47.15], zoom: 11 }));
  await page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });

  // Find a screen point inside a neighbourhood and click it.
  const target = await page.evaluate(() => {
    const m = window.spielraumMap;
    const c = m.getCanvas();
    const w = c.clientWidth, h = c.clientHeight;
    for (let y = h * 0.3; y < h * 0.8; y += 25) {
      for (let x = w * 0.3; x < w * 0.8; x += 25) {
        const f = m.queryRenderedFeatures([x, y], { layers: ["neighbourhoods-fill"] })[0];
        if (f) {
          const r = c.getBoundingClientRect();
          return { x: r.left + x, y: r.top + y, id: f.properties.id };
        }
      }
    }
    return null;
  });
  check(target !== null, "a neighbourhood is clickable on screen");
  if (target) {
    await page.mouse.click(target.x, target.y);
    await page.waitForSelector("#panel:not([hidden])", { timeout: 10000 });
    const expected = neighbourhoods.features.find((f) => f.properties.id === target.id).properties;
    const text = await page.textContent("#panel");
    check(text.includes(expected.name), `panel shows the neighbourhood name (${expected.name})`);
    // Population is imported (--population-totals), so every neighbourhood has a number.
    if (typeof expected.population_total === "number") {
      const pop = Math.round(expected.population_total).toLocaleString("de-DE");
      check(text.includes(pop), `panel shows the population ${pop}`);
    } else {
      check(false, `/api/neighbourhoods gives ${expected.name} a numeric population_total (got ${JSON.stringify(expected.population_total)})`);
    }
    // The choropleth is coloured: the clicked neighbourhood has a served share in its tile.
    const shareInTile = await page.evaluate((id) => {
      const f = window.spielraumMap.queryRenderedFeatures({ layers: ["neighbourhoods-fill"] }).find((x) => x.properties.id === id);
      return f?.properties.served_share_age_0_5;
    }, target.id);
    check(typeof shareInTile === "number" && shareInTile === expected.served_share_age_0_5, `tile and /api/neighbourhoods agree on served_share_age_0_5 (${shareInTile} vs ${expected.served_share_age_0_5})`);
    check(await page.evaluate(() => document.activeElement?.id === "panel"), "panel takes the keyboard focus");
    await page.screenshot({ path: resolve(artifacts, "map-panel-de.png") });
    await page.keyboard.press("Escape");
    check(await page.isHidden("#panel"), "Escape closes the panel");
  }

  // Zoom in on a facility: buildings, roads and facility symbols at street level.
  await page.evaluate(() => {
    const m = window.spielraumMap;
    const f = m.querySourceFeatures("spielraum", { sourceLayer: "facilities" }).find((x) => x.properties.kind === "playground") ?? m.querySourceFeatures("spielraum", { sourceLayer: "facilities" })[0];
    const c = f.geometry.type === "Point" ? f.geometry.coordinates : f.geometry.coordinates[0][0];
    m.jumpTo({ center: c, zoom: 16 });
  });
  await page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
  await page.waitForTimeout(500);
  check((await rendered(page, ["buildings"])) > 0, "buildings rendered at street level");
  await page.screenshot({ path: resolve(artifacts, "map-street-de.png") });

  // Keyboard only: search a neighbourhood by name, Enter opens its panel.
  const byName = neighbourhoods.features[neighbourhoods.features.length - 1]?.properties.name;
  if (byName) {
    await page.focus("#search");
    await page.keyboard.type(byName);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#panel:not([hidden])", { timeout: 10000 }).catch(() => {});
    check(((await page.textContent("#panel-title").catch(() => "")) ?? "").includes(byName), `search "${byName}" + Enter opens its panel`);
    await page.keyboard.press("Escape");
  }

  // The time control: "Wochenende" draws the neighbourhoods of /api/neighbourhoods?window=… and
  // says how many facilities are closed then; "Immer" brings back the analysis' colours.
  const weekend = await (await fetch(`${server.url}/api/neighbourhoods?window=${encodeURIComponent("Sa,Su 10:00-18:00")}`)).json();
  await page.click('#times [role="radio"]:has-text("Wochenende")');
  await page.waitForFunction(() => /geschlossen/.test(document.getElementById("time-status")?.textContent ?? ""), null, { timeout: 30000 }).catch(() => {});
  const timeStatus = (await page.textContent("#time-status")) ?? "";
  check(timeStatus.includes(`${weekend.time?.closed_facilities} Einrichtungen`), `time control: the weekend names the facilities closed then as /api/neighbourhoods does (${timeStatus}; API: ${weekend.time?.closed_facilities})`);
  // The GeoJSON source is tiled in a worker: wait until the map has drawn it (or 15 s).
  await page
    .waitForFunction(() => {
      const m = window.spielraumMap;
      return m.getLayer("time-neighbourhoods") && m.isSourceLoaded("time-neighbourhoods") && m.queryRenderedFeatures({ layers: ["time-neighbourhoods"] }).length > 0;
    }, null, { timeout: 15000 })
    .catch(() => {});
  check((await rendered(page, ["time-neighbourhoods"])) > 0, "time control: the neighbourhoods at the weekend are drawn");
  await page.click('#times [role="radio"]:has-text("Immer")');
  await page.waitForFunction(() => (document.getElementById("time-status")?.textContent ?? "") === "", null, { timeout: 10000 }).catch(() => {});
  check((await page.textContent("#time-status")) === "" && (await rendered(page, ["neighbourhoods-fill"])) > 0, "time control: always shows the analysis again");

  await page.click('[data-lang="en"]');
  check(await page.evaluate(() => document.documentElement.lang === "en"), "switch to English");
  check((await page.textContent(".sidebar")).includes("Age group"), "English sidebar text");
  await page.screenshot({ path: resolve(artifacts, "map-en.png") });

  // Reach mode: click a point in Vaduz's built-up area and compare the list with /api/reach.
  const vaduz = [9.5209, 47.141];
  await page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 14 }), vaduz);
  await page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
  await page.check("#reach-mode");
  const spot = await page.evaluate((c) => {
    const m = window.spielraumMap;
    const p = m.project(c);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, vaduz);
  const [reachResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/api/reach?"), { timeout: 30000 }),
    page.mouse.click(spot.x, spot.y),
  ]);
  await page.waitForSelector("#panel:not([hidden]) .reach-list, #panel:not([hidden]) .error", { timeout: 30000 });
  check((await page.$("#panel .reach-list")) !== null, "reach mode lists facilities reached");
  const asked = new URL(reachResponse.url()).searchParams;
  const minutes = await page.inputValue("#reach-minutes");
  check(
    Math.abs(Number(asked.get("lon")) - vaduz[0]) < 1e-3 && Math.abs(Number(asked.get("lat")) - vaduz[1]) < 1e-3 && asked.get("minutes") === minutes,
    `the map asks /api/reach at the clicked point (${asked})`,
  );
  const api = (await (await fetch(`${server.url}/api/reach?lon=${asked.get("lon")}&lat=${asked.get("lat")}&minutes=${minutes}`)).json()).features.filter((f) => f.properties.type === "facility");
  const items = await page.$$eval("#panel .reach-list li:not(.muted)", (lis) => lis.map((li) => li.textContent));
  check(api.length > 0, `/api/reach finds facilities within ${minutes} min of central Vaduz (${api.length})`);
  check(items.length === Math.min(api.length, 30), `reach list shows the facilities of /api/reach (${items.length} vs ${api.length})`);
  const first = api[0]?.properties;
  check(
    first !== undefined && items[0] !== undefined && (first.name === null || items[0].includes(first.name)) && items[0].includes(`${Math.round(first.distance_m)} `),
    `first reached facility matches /api/reach (${items[0]} vs ${first?.name}, ${first?.distance_m} m)`,
  );
  await page.screenshot({ path: resolve(artifacts, "map-reach.png") });

  check(errors.length === 0, `no page errors on / (${errors.join(" | ")})`);
  check(outside.length === 0, `no request leaves localhost (${outside.join(", ")})`);

  // --- embed ---
  const e = await openPage("/embed?layer=facilities&kind=playground&lang=en", "en-GB");
  check((await e.page.textContent(".embed-card")).includes("Where is the nearest playground?"), "embed title");
  check((await rendered(e.page, ["facilities-point", "facilities-area"])) > 0, "embed renders playgrounds");
  check((await rendered(e.page, basemapLayers)) > 0, "embed renders the basemap");
  await e.page.screenshot({ path: resolve(artifacts, "embed.png") });
  check(e.errors.length === 0, `no page errors on /embed (${e.errors.join(" | ")})`);
  check(e.outside.length === 0, `embed: no request leaves localhost (${e.outside.join(", ")})`);
  // The embed's first view, as a browser fetches it (compressed), in a 600 × 450 frame.
  const view1 = await firstView(browser, `${server.url}/embed?layer=facilities&kind=playground&lang=de`);
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  check(
    view1.bytes.total < 400 * 1024,
    `embed's first view transfers under 400 KB (${kb(view1.bytes.total)}: scripts ${kb(view1.bytes.script)}, styles ${kb(view1.bytes.stylesheet)}, tiles ${kb(view1.bytes.tiles)}, glyphs ${kb(view1.bytes.glyphs)}, other ${kb(view1.bytes.other)})`,
  );
  const planner = view1.urls.filter((u) => /\/assets\/(main|scenario|table|admin|api)-/.test(u));
  check(planner.length === 0, `the embed loads none of the planner's or admin's code (${planner.join(", ")})`);

  // --- the embed on a phone (375 × 667): tap to reach, the nearest place named and marked ---
  const ep = await openMap(browser, `${server.url}/embed?layer=facilities&kind=playground&lang=de`, { locale: "de-DE", viewport: { width: 375, height: 667 }, allowed: isLocal });
  // Next to the playground nearest central Vaduz, so one is in reach.
  const pgs = (await (await fetch(`${server.url}/api/facilities?kind=playground`)).json()).features;
  const pg = pgs.map((f) => JSON.stringify(f.geometry).match(/-?\d+\.\d+,-?\d+\.\d+/)[0].split(",").map(Number)).sort((a, b) => Math.hypot(a[0] - 9.5209, a[1] - 47.141) - Math.hypot(b[0] - 9.5209, b[1] - 47.141))[0];
  await ep.page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 16 }), [pg[0] + 0.002, pg[1] - 0.0025]);
  await ep.page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
  const box = await ep.page.evaluate(() => {
    const r = window.spielraumMap.getCanvas().getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  const tapAt = await ep.page.evaluate((b) => {
    const r = window.spielraumMap.getCanvas().getBoundingClientRect();
    const ll = window.spielraumMap.unproject([b.x - r.left, b.y - r.top]);
    return [ll.lng, ll.lat];
  }, box);
  await ep.page.mouse.click(box.x, box.y);
  await ep.page.waitForSelector("#embed-list li", { timeout: 30000 });
  const firstItem = await ep.page.textContent("#embed-list li");
  const q = new URLSearchParams({ lon: tapAt[0].toFixed(6), lat: tapAt[1].toFixed(6), minutes: "10", kind: "playground" });
  const liveReach = (await (await fetch(`${server.url}/api/reach?${q}`)).json()).features.filter((f) => f.properties.type === "facility");
  const lp = liveReach[0]?.properties;
  const want = lp ? (lp.name ?? (lp.street ? `Spielplatz bei ${lp.street}` : "ohne Namen")) : "keine";
  check(lp !== undefined && firstItem.includes(want) && firstItem.includes(`${Math.round(lp.distance_m).toLocaleString("de-DE")} m`), `phone embed: the tap names the nearest playground on foot (${firstItem}; /api/reach: ${want}, ${lp?.distance_m} m)`);
  const ringed = await ep.page
    .waitForFunction(() => window.spielraumMap.getLayer("reach-nearest") && window.spielraumMap.queryRenderedFeatures({ layers: ["reach-nearest"] }).length === 1, null, { timeout: 10000 })
    .then(() => true, () => false);
  check(ringed, "phone embed: the nearest playground is marked on the map");
  const layout = await ep.page.evaluate(() => {
    const rect = (sel) => document.querySelector(sel)?.getBoundingClientRect();
    const card = rect(".embed-card");
    const overlap = (a, b) => a && b && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const controls = [...document.querySelectorAll(".maplibregl-ctrl-zoom-in, .maplibregl-ctrl-zoom-out, .maplibregl-ctrl-attrib")].map((e) => e.getBoundingClientRect());
    return { wide: document.documentElement.scrollWidth, cardH: card?.height ?? 0, clash: controls.some((c) => overlap(card, c)) };
  });
  check(layout.wide <= 375 && !layout.clash && layout.cardH <= 0.4 * 667 + 1, `phone embed: nothing wider than the screen (${layout.wide} px), the card (${Math.round(layout.cardH)} px high) covers no map control`);
  await ep.page.screenshot({ path: resolve(artifacts, "embed-phone-de.png") });
  check(ep.errors.length === 0, `phone embed: no page errors (${ep.errors.join(" | ")})`);
  await ep.context.close();

  // --- embed zoomed to one neighbourhood by name ---
  const pick = neighbourhoods.features[0];
  if (pick) {
    const coords = JSON.stringify(pick.geometry.coordinates).match(/-?\d+(\.\d+)?,-?\d+(\.\d+)?/g).map((p) => p.split(",").map(Number));
    const bbox = [Math.min(...coords.map((c) => c[0])), Math.min(...coords.map((c) => c[1])), Math.max(...coords.map((c) => c[0])), Math.max(...coords.map((c) => c[1]))];
    const n = await openPage(`/embed?layer=neighbourhoods&neighbourhood=${encodeURIComponent(pick.properties.name)}&lang=de`, "en-GB");
    const inside = await n.page
      .waitForFunction(
        (b) => {
          const c = window.spielraumMap.getCenter();
          return c.lng > b[0] && c.lng < b[2] && c.lat > b[1] && c.lat < b[3];
        },
        bbox,
        { timeout: 15000 },
      )
      .then(() => true, () => false);
    check(inside, `embed ?neighbourhood=${pick.properties.name} centres the map on it`);
    check((await n.page.textContent(".embed-card")).includes("Wo ist der nächste Spielplatz?"), "embed ?lang=de is German");
    check(n.errors.length === 0, `no page errors on /embed?neighbourhood (${n.errors.join(" | ")})`);
  }

  // --- a phone (375 × 667): nothing wider than the screen, a search box to type in, the sidebar
  // (band, legend, layers) behind a button, and an embed snippet that fits a phone's page ---
  const phone = await openMap(browser, `${server.url}/`, { locale: "de-DE", viewport: { width: 375, height: 667 }, allowed: isLocal });
  const ph = phone.page;
  const wide = await ph.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 375, `phone: nothing is wider than the screen (${wide} px)`);
  const searchWidth = await ph.evaluate(() => document.getElementById("search").getBoundingClientRect().width);
  check(searchWidth >= 140, `phone: the search box has room to type (${Math.round(searchWidth)} px)`);
  check(!(await ph.isVisible("#bands")), "phone: the sidebar starts closed, the map is free");
  await ph.click("#sidebar-toggle");
  const open = (await ph.isVisible("#bands")) && (await ph.isVisible("#choropleth-legend")) && (await ph.isVisible("#layer-toggles"));
  check(open && (await ph.getAttribute("#sidebar-toggle", "aria-expanded")) === "true", "phone: the button opens band, legend and layers");
  await ph.screenshot({ path: resolve(artifacts, "phone-sidebar-de.png") });
  await ph.keyboard.press("Escape");
  check(!(await ph.isVisible("#bands")) && (await ph.evaluate(() => document.activeElement?.id)) === "sidebar-toggle", "phone: Escape closes the sidebar and returns focus to its button");
  const snippet = await ph.inputValue("#embed-snippet");
  check(snippet.includes('width="100%"') && snippet.includes("max-width:600px"), "the embed snippet fits a phone's page (width 100 %, at most 600 px)");
  // The snippet on a 375 px host page: the iframe is no wider than the page.
  const host = await browser.newContext({ viewport: { width: 375, height: 667 } });
  const hp = await host.newPage();
  await hp.route("**/*", (r) => (isLocal(r.request().url()) ? r.continue() : r.abort()));
  await hp.goto(`${server.url}/health`);
  await hp.setContent(`<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><body style="margin:8px">${snippet}</body>`);
  const frame = await hp.evaluate(() => ({ w: document.querySelector("iframe").getBoundingClientRect().width, page: document.documentElement.scrollWidth }));
  check(frame.w <= 359 && frame.page <= 375, `the snippet on a 375 px page is ${Math.round(frame.w)} px wide, the page ${frame.page} px`);
  check(phone.errors.length === 0, `phone: no page errors (${phone.errors.join(" | ")})`);
  await host.close();
  await phone.context.close();

  // --- a server that knows its public address: the snippet points there; the copy button ---
  const city = process.argv[2] ?? process.env.SPIELRAUM_CITY;
  if (city) {
    const pub = await startServe(city, ["--public-url", "https://karte.example.de/spielraum/"]);
    try {
      const p = await openMap(browser, `${pub.url}/`, { locale: "de-DE", allowed: isLocal });
      await p.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: pub.url });
      await p.page.waitForFunction(() => document.getElementById("embed-snippet").value.includes("karte.example.de"), null, { timeout: 10000 }).catch(() => {});
      const code = await p.page.inputValue("#embed-snippet");
      check(
        code.startsWith('<iframe src="https://karte.example.de/spielraum/embed?') && code.includes('title="Wo ist der nächste Spielplatz?"'),
        `with --public-url the snippet points at the public address and has a title (${code.slice(0, 70)}…)`,
      );
      await p.page.click("#embed-copy");
      const copied = await p.page.evaluate(() => navigator.clipboard.readText());
      check(copied === code && (await p.page.textContent("#embed-copied")) === "Kopiert.", "the copy button puts the snippet on the clipboard and says so");
      check(p.errors.length === 0, `no page errors with --public-url (${p.errors.join(" | ")})`);
      await p.context.close();
    } finally {
      await pub.stop();
    }
  }
} catch (err) {
  check(false, `test crashed: ${err.stack ?? err}`);
} finally {
  await browser.close();
  await server.stop();
}
finish();
