// The planner map: choropleth of served share per age band with the band's walking limit
// explained, hatched gap areas of the band, facilities, reach mode, neighbourhood panel with a
// bar chart and explained indicators, the neighbourhood table and facility list below the map,
// search, layer toggles, DE/EN, embed snippet. The page never scrolls; its panels do.
import "./style.css";
import maplibregl from "maplibre-gl";
import { BANDS, type Band, GAP_HATCH, TIMES, type TimeChoice, addGapHatch, announce, createMap, currentTime, el, kindColour, kindName, layerId, legend, motion, reachList, reachSentence, setTimeChoice, showReach, timeParams } from "./common";
import { bandLimit, dec, int, pct, readStandard, standardTitle } from "./format";
import { type Lang, initialLang, lang, setLang, t, type Key } from "./i18n";
import { askLogin, loadMe, loginControl, onSession, session } from "./api";
import { initScenarios, render as renderScenario, scenarioClick, showFacilityPopup, translate as translateScenario } from "./scenario";
import { driverLabel, initTable, render as renderTable, select as selectRow } from "./table";

type Props = Record<string, unknown>;
let band: Band = "age_0_5";
let neighbourhoods: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
/** The neighbourhoods as the analysis ("always") has them; `neighbourhoods` is them at the time chosen. */
let always: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
let facilities: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
let openPanel: (() => void) | null = null;
let lastFocus: HTMLElement | null = null;

// The language first: the map takes it for its own controls' words.
setLang(initialLang());
const map = createMap();
// Who is signed in; a private workspace asks for the login before it shows anything.
const renderLogin = loginControl(document.getElementById("account") as HTMLElement);
void loadMe().then(async (me) => {
  if (me.private && !me.user && (await askLogin(true))) location.reload();
});
const panel = document.getElementById("panel") as HTMLElement;
const panelBody = document.getElementById("panel-body") as HTMLElement;

function shareExpr(b: Band): maplibregl.ExpressionSpecification {
  const prop = `served_share_${b}`;
  return ["case", ["has", prop], ["interpolate", ["linear"], ["get", prop], ...legend.shareStops.flat()], legend.noData] as unknown as maplibregl.ExpressionSpecification;
}

/** "Spielplatz oder Park / Grünfläche" */
const kindsText = (kinds: string[]) => kinds.map((k) => kindName(k)).join(` ${t("or")} `);

/** The sentence "in walking distance means … at most 200 m" for a band (or that it is unknown). */
function limitText(b: Band): string {
  const l = bandLimit(b);
  if (!l) return t("limitUnknown");
  return t("limitLegend", { band: t(`band_${b}` as Key), kinds: kindsText(l.kinds), m: int(l.metres), min: int((l.metres / 1000 / l.speedKmh) * 60) });
}

/** Inline SVG bar chart of served share per band. */
function chart(shares: Props | undefined): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 260 96");
  svg.setAttribute("role", "img");
  svg.setAttribute("class", "chart");
  const labels: string[] = [];
  BANDS.forEach((b, i) => {
    const v = shares?.[b];
    const y = 8 + i * 30;
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", "0");
    label.setAttribute("y", String(y + 14));
    label.textContent = t(`band_${b}` as Key);
    const track = document.createElementNS(ns, "rect");
    Object.entries({ x: "48", y: String(y), width: "150", height: "20", rx: "3", fill: "#e9ecef" }).forEach(([k, x]) => track.setAttribute(k, x));
    const bar = document.createElementNS(ns, "rect");
    const w = typeof v === "number" ? Math.max(0, Math.min(1, v)) * 150 : 0;
    const colour = typeof v === "number" ? legend.shareStops.reduce((c, [s, col]) => (v >= s ? col : c), legend.shareStops[0]?.[1] ?? legend.noData) : legend.noData;
    Object.entries({ x: "48", y: String(y), width: String(w), height: "20", rx: "3", fill: colour }).forEach(([k, x]) => bar.setAttribute(k, x));
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", "204");
    value.setAttribute("y", String(y + 14));
    value.textContent = pct(v);
    svg.append(label, track, bar, value);
    labels.push(`${t(`band_${b}` as Key)}: ${pct(v)}`);
  });
  svg.setAttribute("aria-label", `${t("servedShare")}: ${labels.join(", ")}`);
  return svg;
}

function showPanel(render: () => void): void {
  if (panel.hidden) lastFocus = document.activeElement as HTMLElement | null;
  openPanel = render;
  render();
  panel.hidden = false;
  panel.focus({ preventScroll: true });
}

function closePanel(): void {
  panel.hidden = true;
  openPanel = null;
  highlight(null);
  selectRow(null);
  lastFocus?.focus({ preventScroll: true });
}

/** One value per band from the flat properties (`served_share_age_0_5`, …; `age_0_5` for children). */
function byBand(p: Props, prefix: string): Props {
  return Object.fromEntries(BANDS.map((b) => [b, p[prefix ? `${prefix}_${b}` : b]]));
}

const hasNumber = (v: Props) => BANDS.some((b) => typeof v[b] === "number");

/** A fact with a short "What does this mean?" under it. */
function explained(dl: HTMLElement, label: string, value: string, explain: Key, key: string): void {
  const dd = el("dd", { "data-fact": key });
  dd.append(el("span", { class: "value" }, value));
  const d = el("details", { class: "whatis" });
  d.append(el("summary", {}, t("whatIs")), el("p", {}, t(explain)), el("p", { class: "muted" }, t("methodsRef")));
  dd.append(d);
  dl.append(el("dt", {}, label), dd);
}

function neighbourhoodPanel(p: Props): void {
  showPanel(() => {
    panelBody.replaceChildren();
    panelBody.append(el("h2", { id: "panel-title" }, String(p.name ?? "")));
    const dl = el("dl", { class: "facts" });
    const fact = (k: Key, v: string) => dl.append(el("dt", {}, t(k)), el("dd", {}, v));
    fact("residents", int(p.population_total));
    const children = byBand(p, "");
    if (hasNumber(children)) fact("children", perBand(children));
    panelBody.append(dl);
    const shares = byBand(p, "served_share");
    if (!hasNumber(shares)) {
      panelBody.append(el("p", { class: "muted" }, t("noIndicators")));
      return;
    }
    panelBody.append(el("h3", {}, t("servedShare")), chart(shares), el("p", { class: "explain" }, limitText(band)));
    const bandName = t(`band_${band}` as Key);
    const dl2 = el("dl", { class: "facts" });
    explained(dl2, `${t("colShare")} (${bandName})`, pct(p[`served_share_${band}`]), "explain_share", "share");
    const gaps = byBand(p, "gap_children");
    if (hasNumber(gaps)) explained(dl2, `${t("gapChildren")} (${bandName})`, int(p[`gap_children_${band}`]), "explain_gap", "gap");
    if (typeof p.play_area_m2_per_child === "number") explained(dl2, t("playArea"), `${dec(p.play_area_m2_per_child)} m²`, "explain_playArea", "play_area");
    const reach = p[`play_area_m2_per_child_2sfca_${band}`] ?? p.play_area_m2_per_child_2sfca;
    if (typeof reach === "number") explained(dl2, `${t("playAreaReach")} (${bandName})`, `${dec(reach)} m²`, "explain_playAreaReach", "play_area_2sfca");
    if (typeof p.need_rank === "number") {
      const n = neighbourhoods.features.filter((f) => typeof f.properties?.need_rank === "number").length;
      const driver = driverLabel(p);
      const rank = t("rankOf", { r: int(p.need_rank), n: int(n) });
      explained(dl2, t("needRank"), driver ? t("rankDriver", { rank, driver }) : rank, "explain_rank", "rank");
    }
    panelBody.append(dl2);
  });
}

/** "0–5: 287 · 6–11: 219 · 12–17: 27" */
function perBand(v: Props): string {
  return BANDS.map((b) => `${t(`band_${b}` as Key)}: ${int(v[b])}`).join(" · ");
}

/** Outlines the chosen neighbourhood on the map (null: none). */
function highlight(id: string | null): void {
  const f = id ? neighbourhoods.features.find((x) => String(x.properties?.id) === id) : undefined;
  const data: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: f ? [f] : [] };
  const src = map.getSource("hood-highlight") as maplibregl.GeoJSONSource | undefined;
  if (src) src.setData(data);
  else if (map.isStyleLoaded()) {
    map.addSource("hood-highlight", { type: "geojson", data });
    map.addLayer({ id: "hood-highlight", type: "line", source: "hood-highlight", paint: { "line-color": "#1864ab", "line-width": 4 } });
  }
}

function openNeighbourhood(id: string, fly: boolean): void {
  const f = neighbourhoods.features.find((x) => String(x.properties?.id) === id);
  if (!f) return;
  highlight(id);
  selectRow(id);
  neighbourhoodPanel(f.properties as Props);
  const p = f.properties as Props;
  announce("said", `${String(p.name ?? "")}: ${t("colShare")} ${t(`band_${band}` as Key)} ${t("years")}: ${pct(p[`served_share_${band}`])}`);
  if (fly) fitFeature(f);
}

function fitFeature(f: GeoJSON.Feature): void {
  const b = new maplibregl.LngLatBounds();
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === "number") b.extend(c as [number, number]);
    else if (Array.isArray(c)) c.forEach(visit);
  };
  visit((f.geometry as GeoJSON.Polygon).coordinates);
  if (!b.isEmpty()) map.fitBounds(b, { padding: 60, maxZoom: 16, duration: motion(600) });
}

async function reachAt(lngLat: maplibregl.LngLat): Promise<void> {
  const minutes = Number((document.getElementById("reach-minutes") as HTMLSelectElement).value);
  showPanel(() => {
    panelBody.replaceChildren(el("h2", { id: "panel-title" }, t("reachTitle", { m: minutes })), el("p", { class: "muted" }, "…"));
  });
  try {
    const r = await showReach(map, lngLat, minutes);
    showPanel(() => {
      const list = el("ol", { class: "reach-list" });
      reachList(list, r, minutes);
      panelBody.replaceChildren(el("h2", { id: "panel-title" }, t("reachTitle", { m: minutes })), list);
    });
    announce("said", reachSentence(r, minutes));
  } catch {
    announce("said", t("reachError"));
    showPanel(() => panelBody.replaceChildren(el("h2", { id: "panel-title" }, t("reach")), el("p", { class: "error" }, t("reachError"))));
  }
}

/** Gap areas of the band shown only, hatched, with an outline. */
function styleGaps(): void {
  const id = layerId("gaps");
  if (!map.getLayer(id)) return;
  addGapHatch(map);
  const filter = [">", ["to-number", ["coalesce", ["get", `gap_children_${band}`], 0]], 0] as maplibregl.FilterSpecification;
  map.setFilter(id, filter);
  map.setPaintProperty(id, "fill-pattern", GAP_HATCH);
  map.setPaintProperty(id, "fill-opacity", 0.85);
  if (!map.getLayer("gaps-outline")) {
    const layer = map.getLayer(id) as maplibregl.FillLayerSpecification & { source: string; sourceLayer?: string };
    map.addLayer(
      { id: "gaps-outline", type: "line", source: layer.source, "source-layer": layer.sourceLayer ?? "gaps", paint: { "line-color": legend.gap || "#c92a2a", "line-width": 1.5 } } as maplibregl.LineLayerSpecification,
      layerId("facility_areas"),
    );
  }
  map.setFilter("gaps-outline", filter);
  map.setLayoutProperty("gaps-outline", "visibility", map.getLayoutProperty(id, "visibility") ?? "visible");
}

function setBand(b: Band): void {
  band = b;
  if (map.getLayer(layerId("neighbourhoods"))) map.setPaintProperty(layerId("neighbourhoods"), "fill-color", shareExpr(band));
  if (map.getLayer("time-neighbourhoods")) map.setPaintProperty("time-neighbourhoods", "fill-color", shareExpr(band));
  styleGaps();
  buildSidebar();
  renderTable();
  renderScenario();
  openPanel?.();
}

/** The neighbourhoods at the time chosen, drawn over the analysis' colours; "always" shows the
 * analysis itself. The table, the panel and scenario comparisons follow the time. */
async function setTime(c: TimeChoice): Promise<void> {
  setTimeChoice(c);
  buildTimes();
  const status = document.getElementById("time-status") as HTMLElement;
  const tiled = layerId("neighbourhoods");
  const q = timeParams();
  let closed = 0;
  if (!q) {
    neighbourhoods = always;
    if (map.getLayer("time-neighbourhoods")) map.setLayoutProperty("time-neighbourhoods", "visibility", "none");
    if (map.getLayer(tiled)) map.setLayoutProperty(tiled, "visibility", "visible");
    status.textContent = "";
  } else {
    status.textContent = "…";
    try {
      const r = await fetch(`/api/neighbourhoods?${q}`);
      const fc = (await r.json()) as GeoJSON.FeatureCollection & { time?: { closed_facilities?: number }; error?: string };
      if (!r.ok) throw new Error(fc.error ?? r.statusText);
      if (currentTime() !== c) return;
      neighbourhoods = fc;
      closed = fc.time?.closed_facilities ?? 0;
      const src = map.getSource("time-neighbourhoods") as maplibregl.GeoJSONSource | undefined;
      if (src) src.setData(fc);
      else {
        map.addSource("time-neighbourhoods", { type: "geojson", data: fc });
        const opacity = map.getLayer(tiled) ? map.getPaintProperty(tiled, "fill-opacity") : 0.5;
        map.addLayer({ id: "time-neighbourhoods", type: "fill", source: "time-neighbourhoods", paint: { "fill-color": shareExpr(band), "fill-opacity": (opacity ?? 0.5) as number } }, map.getLayer(tiled) ? tiled : undefined);
      }
      map.setLayoutProperty("time-neighbourhoods", "visibility", "visible");
      if (map.getLayer(tiled)) map.setLayoutProperty(tiled, "visibility", "none");
      status.textContent = t("timeStatus", { when: t(`time_${c}` as Key), n: int(closed) });
    } catch {
      status.textContent = t("timeError");
      return;
    }
  }
  renderTable();
  renderScenario();
  openPanel?.();
  announce("said", status.textContent || t("time_always"));
}

/** The time control: a radio group like the age bands. */
function buildTimes(): void {
  const box = document.getElementById("times") as HTMLElement;
  box.replaceChildren();
  const now = currentTime();
  for (const c of TIMES) {
    const btn = el("button", { type: "button", role: "radio", "aria-checked": String(c === now), tabindex: c === now ? "0" : "-1", title: t(`timeHelp_${c}` as Key) }, t(`time_${c}` as Key));
    btn.addEventListener("click", () => void setTime(c));
    btn.addEventListener("keydown", (e) => {
      const i = TIMES.indexOf(c);
      const n = TIMES.length;
      const next = e.key === "ArrowRight" || e.key === "ArrowDown" ? TIMES[(i + 1) % n] : e.key === "ArrowLeft" || e.key === "ArrowUp" ? TIMES[(i + n - 1) % n] : undefined;
      if (!next) return;
      e.preventDefault();
      void setTime(next).then(() => (document.querySelector('#times [aria-checked="true"]') as HTMLElement | null)?.focus({ preventScroll: true }));
    });
    box.append(btn);
  }
}

function buildSidebar(): void {
  buildTimes();
  const bands = document.getElementById("bands") as HTMLElement;
  bands.replaceChildren();
  for (const b of BANDS) {
    const btn = el("button", { type: "button", role: "radio", "aria-checked": String(b === band), tabindex: b === band ? "0" : "-1" }, t(`band_${b}` as Key));
    btn.addEventListener("click", () => {
      setBand(b);
      (document.querySelector('#bands [aria-checked="true"]') as HTMLElement | null)?.focus({ preventScroll: true });
    });
    btn.addEventListener("keydown", (e) => {
      const i = BANDS.indexOf(b);
      const next = e.key === "ArrowRight" || e.key === "ArrowDown" ? BANDS[(i + 1) % 3] : e.key === "ArrowLeft" || e.key === "ArrowUp" ? BANDS[(i + 2) % 3] : undefined;
      if (!next) return;
      e.preventDefault();
      setBand(next);
      (document.querySelector('#bands [aria-checked="true"]') as HTMLElement | null)?.focus({ preventScroll: true });
    });
    bands.append(btn);
  }
  const rampBox = document.getElementById("choropleth-legend") as HTMLElement;
  rampBox.replaceChildren(
    el("div", { class: "ramp", style: `background:linear-gradient(90deg,${legend.shareStops.map(([s, c]) => `${c} ${s * 100}%`).join(",")})` }),
    el("div", { class: "ramp-labels" }),
  );
  rampBox.lastElementChild!.append(el("span", {}, pct(0, 0)), el("span", {}, pct(0.5, 0)), el("span", {}, pct(1, 0)));
  const nd = el("div", { class: "item" });
  nd.append(el("span", { class: "swatch", style: `background:${legend.noData}` }), el("span", {}, t("noData")));
  rampBox.append(nd);
  (document.getElementById("band-limit") as HTMLElement).textContent = limitText(band);
  (document.getElementById("band-target") as HTMLElement).textContent = bandLimit(band) ? t("targetLegend", { standard: standardTitle() }) : "";
  const gap = document.getElementById("gap-legend") as HTMLElement;
  const gi = el("div", { class: "item" });
  gi.append(el("span", { class: "hatch", style: `--gap:${legend.gap || "#c92a2a"}`, "aria-hidden": "true" }), el("span", {}, t("gapLegend", { band: t(`band_${band}` as Key) })));
  gap.replaceChildren(gi);

  const kinds = document.getElementById("kind-legend") as HTMLElement;
  kinds.replaceChildren();
  for (const k of legend.kinds) {
    const row = el("div", { class: "item" });
    row.append(el("span", { class: "dot letter", style: `background:${kindColour(k)}`, "aria-hidden": "true" }, legend.kindLetters[k] ?? ""), el("span", {}, kindName(k)));
    kinds.append(row);
  }

  const toggles = document.getElementById("layer-toggles") as HTMLElement;
  toggles.replaceChildren();
  const groups: [Key, string[], boolean][] = [
    ["neighbourhoods", [layerId("neighbourhoods"), layerId("neighbourhood_outlines")], true],
    ["facilities", [layerId("facility_areas"), layerId("facility_points")], true],
    ["gaps", [layerId("gaps"), "gaps-outline"], true],
    ["buildings", ["buildings"], true],
    ["population", [layerId("population")], false],
  ];
  for (const [key, ids, def] of groups) {
    const visible = map.getLayer(ids[0]) ? map.getLayoutProperty(ids[0], "visibility") !== "none" : def;
    const label = el("label", { class: "check" });
    const cb = el("input", { type: "checkbox" });
    cb.checked = visible;
    cb.addEventListener("change", () => ids.forEach((id) => map.getLayer(id) && map.setLayoutProperty(id, "visibility", cb.checked ? "visible" : "none")));
    label.append(cb, el("span", {}, ` ${t(key)}`));
    toggles.append(label);
  }
  updateSnippet();
}

/** The embed snippet for the view shown, at the server's public address (`serve --public-url`) when it has one. */
function updateSnippet(): void {
  const snippet = document.getElementById("embed-snippet") as HTMLTextAreaElement;
  const b = map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(4)).join(",");
  const base = session().public_url ?? location.origin;
  const title = t("embedTitle").replace(/"/g, "&quot;");
  snippet.value = `<iframe src="${base}/embed?layer=facilities&kind=playground&bbox=${bbox}&lang=${lang()}" width="100%" height="450" style="border:0;max-width:600px" title="${title}" loading="lazy"></iframe>`;
}
onSession(() => updateSnippet());

/** Copies the embed snippet, and says so. */
async function copySnippet(): Promise<void> {
  const snippet = document.getElementById("embed-snippet") as HTMLTextAreaElement;
  const status = document.getElementById("embed-copied")!;
  try {
    await navigator.clipboard.writeText(snippet.value);
  } catch {
    // Without the clipboard API (a page not served over HTTPS): select it and copy the old way.
    snippet.select();
    document.execCommand("copy");
  }
  status.textContent = t("embedCopied");
}
document.getElementById("embed-copy")?.addEventListener("click", () => void copySnippet());

function buildSearch(): void {
  const list = document.getElementById("search-list") as HTMLDataListElement;
  list.replaceChildren();
  for (const f of neighbourhoods.features) list.append(el("option", { value: String(f.properties?.name ?? "") }));
  const names = new Set<string>();
  for (const f of facilities.features) {
    const n = f.properties?.name;
    if (typeof n === "string" && !names.has(n)) {
      names.add(n);
      list.append(el("option", { value: n }, kindName(String(f.properties?.kind))));
    }
  }
}

/** Where a facility is: its point, or the first corner of its outline. */
function facilityAt(f: GeoJSON.Feature): [number, number] | null {
  const g = f.geometry;
  if (g.type === "Point") return g.coordinates as [number, number];
  let first: [number, number] | null = null;
  const visit = (c: unknown): void => {
    if (first) return;
    if (Array.isArray(c) && typeof c[0] === "number") first = c as [number, number];
    else if (Array.isArray(c)) c.forEach(visit);
  };
  visit((g as GeoJSON.Polygon).coordinates);
  return first;
}

function openFacility(f: GeoJSON.Feature, opener: HTMLElement | null): void {
  const at = facilityAt(f);
  if (!at) return;
  // The popup opens once the map arrived, so that it picks a side with room.
  map.once("moveend", () => showFacilityPopup(f.properties ?? {}, new maplibregl.LngLat(at[0], at[1]), opener));
  // The place lands low in the map, leaving the room above it to the popup.
  // With prefers-reduced-motion the map jumps (duration 0: no flight, the "moveend" comes at once).
  const to = { center: at, zoom: Math.max(map.getZoom(), 16), offset: [0, map.getContainer().clientHeight * 0.3] as [number, number] };
  if (motion(600) === 0) map.easeTo({ ...to, duration: 0 });
  else map.flyTo({ ...to, duration: 600 });
}

function search(q: string): void {
  const s = q.trim().toLowerCase();
  if (!s) return;
  const n = neighbourhoods.features.find((f) => String(f.properties?.name ?? "").toLowerCase() === s) ?? neighbourhoods.features.find((f) => String(f.properties?.name ?? "").toLowerCase().includes(s));
  if (n) return openNeighbourhood(String(n.properties?.id), true);
  const f = facilities.features.find((x) => String(x.properties?.name ?? "").toLowerCase().includes(s));
  if (f) openFacility(f, document.getElementById("search"));
}

function applyLang(l: Lang): void {
  setLang(l);
  document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === l)));
  buildSidebar();
  buildSearch();
  translateScenario();
  renderLogin();
  renderTable();
  (document.getElementById("table-page-link") as HTMLAnchorElement).href = `/table?lang=${l}`;
  openPanel?.();
}

document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) => b.addEventListener("click", () => applyLang(b.dataset.lang as Lang)));
document.getElementById("panel-close")!.addEventListener("click", closePanel);
// On a phone the sidebar (age band, legend, layers, scenarios) opens over the map.
const sidebar = document.getElementById("sidebar")!;
const sidebarToggle = document.getElementById("sidebar-toggle") as HTMLButtonElement;
function showSidebar(open: boolean): void {
  sidebar.classList.toggle("open", open);
  sidebarToggle.setAttribute("aria-expanded", String(open));
}
sidebarToggle.addEventListener("click", () => showSidebar(!sidebar.classList.contains("open")));
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  if (sidebar.classList.contains("open")) {
    showSidebar(false);
    sidebarToggle.focus();
  } else if (!panel.hidden) closePanel();
});
// The skip link leads to the neighbourhood table, opening the drawer when it was hidden.
document.getElementById("skip-link")!.addEventListener("click", () => {
  if (document.getElementById("drawer")!.hidden) document.getElementById("table-toggle")!.click();
});
const searchInput = document.getElementById("search") as HTMLInputElement;
searchInput.addEventListener("change", () => search(searchInput.value));
searchInput.addEventListener("keydown", (e) => e.key === "Enter" && search(searchInput.value));

map.on("load", async () => {
  readStandard(map.getStyle().metadata as Record<string, unknown> | undefined);
  map.setPaintProperty(layerId("neighbourhoods"), "fill-color", shareExpr(band));
  styleGaps();
  for (const id of [layerId("neighbourhoods"), layerId("facility_points"), layerId("facility_areas")]) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  initTable(
    {
      band: () => band,
      neighbourhoods: () => neighbourhoods,
      facilities: () => facilities,
      chooseNeighbourhood: (id) => openNeighbourhood(id, true),
      chooseFacility: (f, opener) => openFacility(f, opener),
      // The gap areas of the analysis: a comparison without edits carries them (?gaps=1).
      loadGaps: async () => {
        try {
          const r = await fetch("/api/compare?gaps=1", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"edits":[]}' });
          const v = (await r.json()) as { gap_areas?: GeoJSON.FeatureCollection };
          return r.ok && v.gap_areas ? v.gap_areas : null;
        } catch {
          return null;
        }
      },
      chooseGap: (f) => fitFeature(f),
    },
    () => map.resize(),
  );
  applyLang(initialLang());
  initScenarios({ map, band: () => band, neighbourhoods: () => neighbourhoods, facilities: () => facilities });
  const [n, f] = await Promise.all([fetch("/api/neighbourhoods").then((r) => r.json()), fetch("/api/facilities").then((r) => r.json())]);
  neighbourhoods = n;
  always = n;
  facilities = f;
  buildSearch();
  renderTable();
  document.body.dataset.ready = "1";
});
map.on("moveend", () => updateSnippet());
map.on("click", (e) => {
  const reachMode = (document.getElementById("reach-mode") as HTMLInputElement).checked;
  if (scenarioClick(e, !reachMode)) return;
  if (reachMode) {
    void reachAt(e.lngLat);
    return;
  }
  const hit = map.queryRenderedFeatures(e.point, { layers: [layerId("neighbourhoods")] })[0];
  if (hit?.properties?.id) openNeighbourhood(String(hit.properties.id), false);
});
