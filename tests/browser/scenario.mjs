// Browser test of the planner map's scenario panel and location suggestions, in Debian's chromium
// driven by playwright-core.
//
// Usage: node tests/browser/scenario.mjs CITY.gpkg
//   Serves a COPY of CITY.gpkg (scenarios are written into it) with an edit token file.
//   SPIELRAUM_BIN=target/debug/spielraum  binary to start (default)
//   CHROMIUM=/usr/bin/chromium            browser executable
// Screenshots go to test-artifacts/. Any request to a host other than localhost fails the test.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { artifacts, check, finish, isLocal, launchBrowser, openMap, startServe } from "./lib.mjs";

const TOKEN = "browser-test-token-0815";
const K = 3;

/** Serves a copy of CITY.gpkg with an edit token file; `stop` also removes the copy. */
async function startServer() {
  const city = process.argv[2] ?? process.env.SPIELRAUM_CITY;
  if (!city) throw new Error("give CITY.gpkg as argument");
  const dir = mkdtempSync(join(tmpdir(), "spielraum-scenario-"));
  const copy = join(dir, "city.gpkg");
  copyFileSync(city, copy);
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const server = await startServe(copy, ["--edit-token-file", tokenFile], { SPIELRAUM_EDIT_TOKEN: "" });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const server = await startServer();
const browser = await launchBrowser();
const openPage = (path, locale) => openMap(browser, `${server.url}${path}`, { locale, allowed: isLocal });

const settled = (page) => page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });

/** Screen position of a lon/lat on the map canvas. */
const screenOf = (page, c) =>
  page.evaluate((c) => {
    const m = window.spielraumMap;
    const p = m.project(c);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, c);

const api = async (path) => (await fetch(`${server.url}${path}`)).json();

try {
  const { page, errors, outside } = await openPage("/?lang=en", "en-GB");
  check((await page.textContent("#scenario-panel")).includes("Scenarios"), "scenario panel in the sidebar (English)");
  await page.waitForSelector("#scenario-edit-rows:not([hidden])", { timeout: 10000 }).catch(() => {});
  check(await page.isVisible("#edit-token"), "a server with a token offers the token field");

  // Create a stored scenario with the token.
  await page.fill("#edit-token", TOKEN);
  await page.dispatchEvent("#edit-token", "change");
  await page.fill("#scenario-name", "Browser test");
  const [created] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/scenarios") && r.request().method() === "POST"), page.click("#scenario-new button[type=submit]")]);
  check(created.status() === 201, `creating a scenario answers 201 (${created.status()})`);
  const list = await api("/api/scenarios");
  const stored = list.scenarios.find((s) => s.name === "Browser test");
  check(stored !== undefined, "the new scenario is stored");
  await page.waitForFunction((id) => document.getElementById("scenario-select").value === String(id), stored?.id, { timeout: 10000 }).catch(() => {});
  check((await page.inputValue("#scenario-select")) === String(stored?.id), "the new scenario is selected");
  check(await page.evaluate(() => sessionStorage.getItem("spielraum.editToken") !== null), "the token is kept in sessionStorage");

  // Drop a playground in central Vaduz, where young children live without one nearby.
  const vaduz = [9.5209, 47.141];
  await page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 16 }), vaduz);
  await settled(page);
  await page.click("#scenario-add");
  check(await page.isVisible("#scenario-hint"), "placing mode shows its hint");
  const spot = await screenOf(page, vaduz);
  const [added] = await Promise.all([
    page.waitForResponse((r) => r.url().includes(`/api/scenarios/${stored?.id}/edits`) && r.request().method() === "POST", { timeout: 60000 }),
    page.mouse.click(spot.x, spot.y),
  ]);
  const addedBody = await added.json();
  check(added.status() === 201, `adding the playground answers 201 (${added.status()} ${JSON.stringify(addedBody).slice(0, 200)})`);
  await page.waitForSelector("#scenario-table tr.hood", { timeout: 20000 }).catch(() => {});
  const rows = await page.$$eval("#scenario-table tr.hood", (trs) => trs.map((tr) => ({ text: tr.textContent, change: Number(tr.dataset.change) })));
  check(rows.length > 0 && rows.some((r) => r.change > 0), `the table shows a neighbourhood with a positive change (${JSON.stringify(rows)})`);
  // The table agrees with the comparison the server answered: same neighbourhoods changed.
  const changed = addedBody.comparison?.neighbourhoods.filter((n) => n.change.served_share_age_0_5 > 0).map((n) => n.name) ?? [];
  check(changed.length > 0 && changed.every((n) => rows.some((r) => r.text.includes(n))), `table rows match the served share change of /api (${changed.join(", ")})`);
  // The headline is the band's net change of served children, as /api answered it.
  const gained = Number(await page.getAttribute("#scenario-headline", "data-net"));
  check(gained > 0 && gained === addedBody.comparison?.totals.change.served_children_age_0_5, `children newly served (0–5, net) shown as /api answered (${gained})`);
  const edit = (await api(`/api/scenarios/${stored?.id}`)).edits[0];
  check(edit?.op === "add" && Math.abs(edit.geometry.coordinates[0] - vaduz[0]) < 1e-4 && Math.abs(edit.geometry.coordinates[1] - vaduz[1]) < 1e-4, `the stored edit is the clicked point (${JSON.stringify(edit?.geometry)})`);
  const planned = await page.evaluate(() => window.spielraumMap.querySourceFeatures("scenario-planned").length);
  check(planned > 0, `the planned playground is drawn (${planned} features)`);
  await page.screenshot({ path: resolve(artifacts, "scenario-added.png") });

  // Undo it: back to no edits.
  await Promise.all([page.waitForResponse((r) => r.request().method() === "DELETE"), page.click("#scenario-edits button")]);
  await page.waitForFunction(() => !document.getElementById("scenario-table"), null, { timeout: 10000 }).catch(() => {});
  check((await page.$("#scenario-table")) === null && (await api(`/api/scenarios/${stored?.id}`)).edits.length === 0, "undo removes the edit and its effect");

  // Close an existing facility from its popup.
  await page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 15 }), vaduz);
  await settled(page);
  const facility = await page.evaluate(() => {
    const m = window.spielraumMap;
    const f = m.queryRenderedFeatures({ layers: ["facilities-point"] }).find((x) => x.properties.osm_id);
    if (!f) return null;
    const p = m.project(f.geometry.coordinates);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y, id: f.properties.osm_id };
  });
  check(facility !== null, "a facility is on screen");
  if (facility) {
    await page.mouse.click(facility.x, facility.y);
    await page.waitForSelector(".facility-popup", { timeout: 10000 }).catch(() => {});
    check((await page.$(".facility-popup")) !== null, "clicking a facility opens its popup");
    // Information first; the action is behind "Change in the scenario …" and says what it does.
    check(!(await page.isVisible(".facility-popup .close-facility")), "the popup shows information first, no action at once");
    await page.click(".facility-popup details summary");
    check(/^Close .+ in the scenario$/.test((await page.textContent(".facility-popup .close-facility")) ?? ""), "the close action says it closes the facility in the scenario");
    const [removed] = await Promise.all([page.waitForResponse((r) => r.url().includes("/edits") && r.request().method() === "POST"), page.click(".facility-popup .close-facility")]);
    const stored2 = (await api(`/api/scenarios/${stored?.id}`)).edits;
    check(removed.status() === 201 && stored2.length === 1 && stored2[0].op === "remove", `"Close" stores a remove edit (${removed.status()} ${JSON.stringify(stored2)})`);
    // The list follows once the comparison (with its cells and gaps) is in.
    const closed = await page.waitForFunction(() => document.getElementById("scenario-edits").textContent.includes("Closed"), null, { timeout: 30000 }).then(() => true, () => false);
    check(closed, "the edit list shows the closure");
  }

  // Suggestions: K sites with children gained, drawn on the map, click zooms to one.
  await page.fill("#suggest-count", String(K));
  const [sug] = await Promise.all([page.waitForResponse((r) => r.url().includes("/api/suggest?")), page.click("#suggest-form button[type=submit]")]);
  const sugBody = await sug.json();
  await page.waitForSelector("#suggest-list li.suggestion", { timeout: 20000 }).catch(() => {});
  const items = await page.$$eval("#suggest-list li.suggestion", (lis) => lis.map((li) => li.textContent));
  check(items.length === K, `suggestions list renders ${K} items (${items.length}; ${JSON.stringify(sugBody).slice(0, 200)})`);
  const first = sugBody.suggestions?.[0];
  const promised = first?.gained_alone ?? first?.gained;
  check(first !== undefined && items[0]?.includes(`+${Math.round(promised.total).toLocaleString("en-GB")}`), `first suggestion shows its children gained (${items[0]})`);
  if (first) {
    await page.click("#suggest-list li.suggestion:first-child .name");
    const near = await page
      .waitForFunction((c) => {
        const m = window.spielraumMap.getCenter();
        return Math.abs(m.lng - c[0]) < 1e-3 && Math.abs(m.lat - c[1]) < 1e-3;
      }, [first.lon, first.lat], { timeout: 15000 })
      .then(() => true, () => false);
    check(near, "clicking a suggestion zooms to its site");
    await settled(page);
    const shown = await page.evaluate(() => window.spielraumMap.queryRenderedFeatures({ layers: ["suggestions"] }).length);
    check(shown > 0, `suggested sites drawn on the map (${shown})`);
    await page.screenshot({ path: resolve(artifacts, "scenario-suggestions.png") });
  }

  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
  check(outside.length === 0, `no request leaves localhost (${outside.join(", ")})`);

  // German UI; a sketch without saving is answered too.
  const de = await openPage("/?lang=de", "de-DE");
  check((await de.page.textContent("#scenario-panel")).includes("Szenarien"), "German scenario panel");
  await de.page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 16 }), vaduz);
  await settled(de.page);
  await de.page.click("#scenario-add");
  const spot2 = await screenOf(de.page, vaduz);
  const [sketch] = await Promise.all([de.page.waitForResponse((r) => r.url().includes("/api/compare")), de.page.mouse.click(spot2.x, spot2.y)]);
  check(sketch.status() === 200, `an unsaved sketch is compared by POST /api/compare (${sketch.status()})`);
  await de.page.waitForSelector("#scenario-headline", { timeout: 20000 }).catch(() => {});
  check(Number(await de.page.getAttribute("#scenario-headline", "data-net")) === gained, "the sketch gains as many children as the stored scenario did");
  // Draw a triangle (about 60 m a side) south of the point and close it on its first corner.
  await de.page.click("#scenario-draw");
  const corners = [[9.5205, 47.1400], [9.5213, 47.1400], [9.5209, 47.1405]];
  for (const c of corners) {
    const p = await screenOf(de.page, c);
    await de.page.mouse.click(p.x, p.y);
    await de.page.waitForTimeout(100);
  }
  const p0 = await screenOf(de.page, corners[0]);
  const [area] = await Promise.all([de.page.waitForResponse((r) => r.url().includes("/api/compare")), de.page.mouse.click(p0.x, p0.y)]);
  const sent = JSON.parse(area.request().postData() ?? "{}").edits ?? [];
  const ring = sent[1]?.geometry?.coordinates?.[0] ?? [];
  check(area.status() === 200 && sent[1]?.geometry?.type === "Polygon" && ring.length === 4 && corners.every((c, i) => Math.abs(ring[i][0] - c[0]) < 1e-4 && Math.abs(ring[i][1] - c[1]) < 1e-4), `a drawn area is sent as a closed polygon (${area.status()} ${JSON.stringify(sent[1]?.geometry)})`);
  const listed = await de.page.waitForFunction(() => document.querySelectorAll("#scenario-edits li").length === 2, null, { timeout: 10000 }).then(() => true, () => false);
  check(listed, "the sketch lists both edits");
  // A play street: a line clicked along, ended by a click on its last point, closed at the
  // hours given in the field.
  await de.page.fill("#scenario-street-hours", "Sa 14:00-18:00");
  await de.page.click("#scenario-street");
  const line = [[9.5203, 47.1396], [9.5215, 47.1396]];
  for (const c of line) {
    const p = await screenOf(de.page, c);
    await de.page.mouse.click(p.x, p.y);
    await de.page.waitForTimeout(150);
  }
  const pEnd = await screenOf(de.page, line[1]);
  const [street] = await Promise.all([de.page.waitForResponse((r) => r.url().includes("/api/compare")), de.page.mouse.click(pEnd.x + 5, pEnd.y)]);
  const streetEdit = (JSON.parse(street.request().postData() ?? "{}").edits ?? [])[2];
  const coords = streetEdit?.geometry?.coordinates ?? [];
  check(street.status() === 200 && streetEdit?.op === "play_street" && streetEdit.hours === "Sa 14:00-18:00" && streetEdit.geometry?.type === "LineString" && coords.length === 2 && line.every((c, i) => Math.abs(coords[i][0] - c[0]) < 1e-4 && Math.abs(coords[i][1] - c[1]) < 1e-4), `a drawn play street is sent as a line with its hours and answered (${street.status()} ${JSON.stringify(streetEdit)})`);
  const listedStreet = await de.page.waitForFunction(() => document.querySelectorAll("#scenario-edits li").length === 3 && document.getElementById("scenario-edits").textContent.includes("Spielstraße"), null, { timeout: 10000 }).then(() => true, () => false);
  check(listedStreet, "the sketch lists the play street with its hours");
  await de.page.screenshot({ path: resolve(artifacts, "scenario-sketch-de.png") });
  check(de.errors.length === 0, `no page errors in German (${de.errors.join(" | ")})`);
} catch (err) {
  check(false, `test crashed: ${err.stack ?? err}`);
} finally {
  await browser.close();
  await server.stop();
}
finish();
