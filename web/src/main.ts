// The planner map: choropleth of served share per age band, facilities, gaps, reach mode,
// neighbourhood panel with a bar chart, search, layer toggles, DE/EN, embed snippet.
import "./style.css";
import maplibregl from "maplibre-gl";
import { BANDS, type Band, createMap, el, kindColour, kindName, layerId, legend, reachList, showReach } from "./common";
import { type Lang, initialLang, lang, setLang, t, type Key } from "./i18n";
import { initScenarios, render as renderScenario, scenarioClick, translate as translateScenario } from "./scenario";

type Props = Record<string, unknown>;
let band: Band = "age_0_5";
let neighbourhoods: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
let facilities: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
let openPanel: (() => void) | null = null;
let lastFocus: HTMLElement | null = null;

const map = createMap();
const panel = document.getElementById("panel") as HTMLElement;
const panelBody = document.getElementById("panel-body") as HTMLElement;

function shareExpr(b: Band): maplibregl.ExpressionSpecification {
  const prop = `served_share_${b}`;
  return ["case", ["has", prop], ["interpolate", ["linear"], ["get", prop], ...legend.shareStops.flat()], legend.noData] as unknown as maplibregl.ExpressionSpecification;
}

function pct(v: unknown): string {
  return typeof v === "number" ? `${Math.round(v * 100)} %` : "–";
}

function num(v: unknown): string {
  return typeof v === "number" ? Math.round(v).toLocaleString(lang() === "de" ? "de-DE" : "en-GB") : "–";
}

/** Inline SVG bar chart of served share per band. */
function chart(shares: Props | undefined): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 240 96");
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
  lastFocus = document.activeElement as HTMLElement | null;
  openPanel = render;
  render();
  panel.hidden = false;
  panel.focus();
}

function closePanel(): void {
  panel.hidden = true;
  openPanel = null;
  lastFocus?.focus();
}

/** One value per band from the flat properties (`served_share_age_0_5`, …; `age_0_5` for children). */
function byBand(p: Props, prefix: string): Props {
  return Object.fromEntries(BANDS.map((b) => [b, p[prefix ? `${prefix}_${b}` : b]]));
}

const hasNumber = (v: Props) => BANDS.some((b) => typeof v[b] === "number");

function neighbourhoodPanel(p: Props): void {
  showPanel(() => {
    panelBody.replaceChildren();
    panelBody.append(el("h2", { id: "panel-title" }, String(p.name ?? "")));
    const dl = el("dl", { class: "facts" });
    const fact = (k: Key, v: string) => dl.append(el("dt", {}, t(k)), el("dd", {}, v));
    fact("residents", num(p.population_total));
    const children = byBand(p, "");
    if (hasNumber(children)) fact("children", perBand(children));
    panelBody.append(dl);
    const shares = byBand(p, "served_share");
    if (!hasNumber(shares)) {
      panelBody.append(el("p", { class: "muted" }, t("noIndicators")));
      return;
    }
    panelBody.append(el("h3", {}, t("servedShare")), chart(shares));
    const dl2 = el("dl", { class: "facts" });
    const gaps = byBand(p, "gap_children");
    if (hasNumber(gaps)) dl2.append(el("dt", {}, t("gapChildren")), el("dd", {}, perBand(gaps)));
    if (typeof p.play_area_m2_per_child === "number") dl2.append(el("dt", {}, t("playArea")), el("dd", {}, `${(p.play_area_m2_per_child as number).toFixed(1)} m²`));
    if (typeof p.need_rank === "number") dl2.append(el("dt", {}, t("needRank")), el("dd", {}, String(p.need_rank)));
    panelBody.append(dl2);
  });
}

/** "0–5: 287 · 6–11: 219 · 12–17: 27" */
function perBand(v: Props): string {
  return BANDS.map((b) => `${t(`band_${b}` as Key)}: ${num(v[b])}`).join(" · ");
}

function openNeighbourhood(id: string, fly: boolean): void {
  const f = neighbourhoods.features.find((x) => x.properties?.id === id);
  if (!f) return;
  neighbourhoodPanel(f.properties as Props);
  if (fly) fitFeature(f);
}

function fitFeature(f: GeoJSON.Feature): void {
  const b = new maplibregl.LngLatBounds();
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === "number") b.extend(c as [number, number]);
    else if (Array.isArray(c)) c.forEach(visit);
  };
  visit((f.geometry as GeoJSON.Polygon).coordinates);
  if (!b.isEmpty()) map.fitBounds(b, { padding: 60, maxZoom: 16 });
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
  } catch (e) {
    showPanel(() => panelBody.replaceChildren(el("h2", { id: "panel-title" }, t("reach")), el("p", { class: "error" }, `${t("reachError")} ${(e as Error).message}`)));
  }
}

function buildSidebar(): void {
  const bands = document.getElementById("bands") as HTMLElement;
  bands.replaceChildren();
  for (const b of BANDS) {
    const btn = el("button", { type: "button", role: "radio", "aria-checked": String(b === band) }, t(`band_${b}` as Key));
    btn.addEventListener("click", () => {
      band = b;
      if (map.getLayer(layerId("neighbourhoods"))) map.setPaintProperty(layerId("neighbourhoods"), "fill-color", shareExpr(band));
      buildSidebar();
      renderScenario();
    });
    bands.append(btn);
  }
  const rampBox = document.getElementById("choropleth-legend") as HTMLElement;
  rampBox.replaceChildren(
    el("div", { class: "ramp", style: `background:linear-gradient(90deg,${legend.shareStops.map(([s, c]) => `${c} ${s * 100}%`).join(",")})` }),
    el("div", { class: "ramp-labels" }),
  );
  rampBox.lastElementChild!.append(el("span", {}, "0 %"), el("span", {}, "50 %"), el("span", {}, "100 %"));
  const nd = el("div", { class: "item" });
  nd.append(el("span", { class: "swatch", style: `background:${legend.noData}` }), el("span", {}, t("noData")));
  rampBox.append(nd);

  const kinds = document.getElementById("kind-legend") as HTMLElement;
  kinds.replaceChildren();
  for (const k of legend.kinds) {
    const row = el("div", { class: "item" });
    row.append(el("span", { class: "dot", style: `background:${kindColour(k)}` }), el("span", {}, kindName(k)));
    kinds.append(row);
  }

  const toggles = document.getElementById("layer-toggles") as HTMLElement;
  toggles.replaceChildren();
  const groups: [Key, string[], boolean][] = [
    ["neighbourhoods", [layerId("neighbourhoods"), layerId("neighbourhood_outlines")], true],
    ["facilities", [layerId("facility_areas"), layerId("facility_points")], true],
    ["gaps", [layerId("gaps")], true],
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

  const snippet = document.getElementById("embed-snippet") as HTMLTextAreaElement;
  const b = map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(4)).join(",");
  snippet.value = `<iframe src="${location.origin}/embed?layer=facilities&kind=playground&bbox=${bbox}&lang=${lang()}" width="600" height="450" style="border:0" title="${t("embedTitle")}" loading="lazy"></iframe>`;
}

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

function search(q: string): void {
  const s = q.trim().toLowerCase();
  if (!s) return;
  const n = neighbourhoods.features.find((f) => String(f.properties?.name ?? "").toLowerCase() === s) ?? neighbourhoods.features.find((f) => String(f.properties?.name ?? "").toLowerCase().includes(s));
  if (n) return openNeighbourhood(String(n.properties?.id), true);
  const f = facilities.features.find((x) => String(x.properties?.name ?? "").toLowerCase().includes(s));
  if (f) {
    const c = f.geometry.type === "Point" ? (f.geometry.coordinates as [number, number]) : null;
    if (c) map.flyTo({ center: c, zoom: 17 });
    else fitFeature(f);
  }
}

function applyLang(l: Lang): void {
  setLang(l);
  document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === l)));
  buildSidebar();
  buildSearch();
  translateScenario();
  openPanel?.();
}

document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) => b.addEventListener("click", () => applyLang(b.dataset.lang as Lang)));
document.getElementById("panel-close")!.addEventListener("click", closePanel);
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !panel.hidden) closePanel();
});
const searchInput = document.getElementById("search") as HTMLInputElement;
searchInput.addEventListener("change", () => search(searchInput.value));
searchInput.addEventListener("keydown", (e) => e.key === "Enter" && search(searchInput.value));

map.on("load", async () => {
  map.setPaintProperty(layerId("neighbourhoods"), "fill-color", shareExpr(band));
  for (const id of [layerId("neighbourhoods"), layerId("facility_points"), layerId("facility_areas")]) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  applyLang(initialLang());
  initScenarios({ map, band: () => band, neighbourhoods: () => neighbourhoods, facilities: () => facilities });
  const [n, f] = await Promise.all([fetch("/api/neighbourhoods").then((r) => r.json()), fetch("/api/facilities").then((r) => r.json())]);
  neighbourhoods = n;
  facilities = f;
  buildSearch();
});
map.on("moveend", () => buildSidebar());
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
setLang(initialLang());
