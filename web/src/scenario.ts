// The planner map's "Scenarios" panel: choose or create a scenario, drop a planned facility on
// the map, close / open / resize one from its popup, see before → after per neighbourhood at
// once (table and a choropleth of the change), and location suggestions with their sites.
//
// Without a stored scenario, edits form an unsaved sketch answered by POST /api/compare.
import maplibregl from "maplibre-gl";
import { BANDS, type Band, KINDS, el, kindName, layerId } from "./common";
import { lang, t, type Key } from "./i18n";

type Json = Record<string, unknown>;
/** An edit as the API writes it (docs/interfaces.md, "HTTP: scenarios and suggestions"). */
type Edit = Json & { op: "add" | "remove" | "set_access" | "enlarge" };
interface Row {
  id: string;
  name: string;
  before: Json;
  after: Json;
  change: Json;
}
interface Comparison {
  neighbourhoods: Row[];
  totals: { before: Json; after: Json; change: Json };
}
interface Suggestion {
  rank: number;
  site_id: string;
  source: string;
  name: string | null;
  lon: number | null;
  lat: number | null;
  area_m2: number;
  gained: Record<string, number>;
  neighbourhood: { id: string; name: string } | null;
  geometry: GeoJSON.Geometry | null;
}

export interface ScenarioHost {
  map: maplibregl.Map;
  /** The age band the map shows. */
  band: () => Band;
  /** The neighbourhoods of /api/neighbourhoods (for the change choropleth). */
  neighbourhoods: () => GeoJSON.FeatureCollection;
  /** The facilities of /api/facilities (names for the edit list). */
  facilities: () => GeoJSON.FeatureCollection;
}

const TOKEN_KEY = "spielraum.editToken";
const facilityLayers = () => [layerId("facility_points"), layerId("facility_areas")];

class ApiError extends Error {}

let host: ScenarioHost;
/** The stored scenario shown, or null for the unsaved sketch. */
let scenarioId: number | null = null;
let edits: Edit[] = [];
let comparison: Comparison | null = null;
let suggestions: Suggestion[] = [];
let placing = false;
/** Outline being drawn (lon/lat), or null when not drawing an area. */
let drawing: [number, number][] | null = null;
let editing = false;
let popup: maplibregl.Popup | null = null;
/** Names of facilities edited in this session, by OSM id (for the edit list). */
const facilityNames = new Map<string, string>();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function api(method: string, path: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = sessionStorage.getItem(TOKEN_KEY);
  // Sent on reads too: a server started with --private-scenarios asks for it there.
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const v = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) throw new ApiError(String(v.error ?? res.statusText));
  return v;
}

function status(text: string, error = false): void {
  const s = $("scenario-status");
  s.textContent = text;
  s.className = error ? "error" : "muted";
}

/** Runs a request, showing "computing …" meanwhile and the error, if any, afterwards. */
async function guarded(work: () => Promise<void>): Promise<void> {
  status(t("working"));
  try {
    await work();
    status("");
  } catch (e) {
    status(`${t("scenarioError")} ${(e as Error).message}`, true);
  }
}

async function loadList(select?: number | null): Promise<void> {
  const v = await api("GET", "/api/scenarios").catch(() => ({ scenarios: [], editing: false }) as Json);
  editing = v.editing === true;
  const list = (v.scenarios as { id: number; name: string }[]) ?? [];
  const sel = $<HTMLSelectElement>("scenario-select");
  sel.replaceChildren(el("option", { value: "" }, t("scenarioSketch")));
  for (const s of list) sel.append(el("option", { value: String(s.id) }, s.name));
  sel.value = select == null ? "" : String(select);
  $("scenario-edit-rows").hidden = !editing;
  $("scenario-readonly").hidden = editing;
}

async function choose(id: number | null): Promise<void> {
  scenarioId = id;
  if (id === null) {
    edits = [];
    comparison = null;
    render();
    return;
  }
  const s = await api("GET", `/api/scenarios/${id}`);
  edits = (s.edits as Edit[]) ?? [];
  comparison = edits.length ? ((await api("GET", `/api/scenarios/${id}/compare`)) as unknown as Comparison) : null;
  render();
}

/** Adds one edit: to the stored scenario (answers the new comparison) or to the sketch. */
async function addEdit(edit: Edit): Promise<void> {
  await guarded(async () => {
    if (scenarioId !== null) {
      const v = await api("POST", `/api/scenarios/${scenarioId}/edits`, edit);
      edits = ((v.scenario as Json).edits as Edit[]) ?? [];
      comparison = v.comparison as Comparison;
    } else {
      const next = [...edits, edit];
      comparison = (await api("POST", "/api/compare", { edits: next })) as unknown as Comparison;
      edits = next;
    }
    render();
    $("scenario-effect").scrollIntoView({ block: "nearest" });
  });
}

async function removeEdit(position: number): Promise<void> {
  await guarded(async () => {
    if (scenarioId !== null) {
      const v = await api("DELETE", `/api/scenarios/${scenarioId}/edits/${position}`);
      edits = ((v.scenario as Json).edits as Edit[]) ?? [];
      comparison = v.comparison as Comparison;
    } else {
      const next = edits.filter((_, i) => i !== position);
      comparison = next.length ? ((await api("POST", "/api/compare", { edits: next })) as unknown as Comparison) : null;
      edits = next;
    }
    if (!edits.length) comparison = null;
    render();
  });
}

const pct = (v: unknown) => (typeof v === "number" ? `${Math.round(v * 100)} %` : "–");
const signedPoints = (v: unknown) => (typeof v === "number" ? `${v > 0 ? "+" : ""}${Math.round(v * 1000) / 10} pp` : "–");
const fmt = (v: number) => Math.round(v).toLocaleString(lang() === "de" ? "de-DE" : "en-GB");

function editLabel(e: Edit): string {
  const what = (id: unknown) => {
    const known = facilityNames.get(String(id));
    if (known) return known;
    const f = host.facilities().features.find((x) => x.properties?.osm_id === id);
    return f ? `${f.properties?.name ?? kindName(String(f.properties?.kind))} (${String(id)})` : String(id);
  };
  switch (e.op) {
    case "add":
      return t("op_add", { what: `${kindName(String(e.kind))}${e.name ? ` „${e.name}“` : ""}` });
    case "remove":
      return t("op_remove", { what: what(e.osm_id) });
    case "set_access":
      return t("op_set_access", { what: what(e.osm_id), access: String(e.access) });
    case "enlarge":
      return t("op_enlarge", { what: what(e.osm_id), area: fmt(Number(e.area_m2)) });
  }
}

/** Children newly served in all bands (after − before of served children), from the totals. */
function childrenGained(c: Comparison): number {
  return BANDS.reduce((sum, b) => sum + Number(c.totals.change[`served_children_${b}`] ?? 0), 0);
}

/** Re-draws the edit list, the effect table and the map layers from the current state. */
export function render(): void {
  if (!host) return;
  const list = $("scenario-edits");
  list.replaceChildren();
  if (!edits.length) list.append(el("li", { class: "muted" }, t("noEdits")));
  edits.forEach((e, i) => {
    const li = el("li");
    const undo = el("button", { type: "button", class: "link" }, t("undoEdit"));
    undo.addEventListener("click", () => void removeEdit(i));
    li.append(el("span", { class: "name" }, editLabel(e)), undo);
    list.append(li);
  });

  const band = host.band();
  const key = `served_share_${band}`;
  const box = $("scenario-effect");
  box.replaceChildren();
  if (comparison && edits.length) {
    box.append(el("h3", {}, t("effect", { band: t(`band_${band}` as Key) })));
    const gained = childrenGained(comparison);
    box.append(el("p", { class: "gained", "data-gained": String(gained) }, `${gained > 0 ? "+" : ""}${fmt(gained)} ${t("childrenGained")}`));
    const rows = comparison.neighbourhoods
      .filter((r) => typeof r.change[key] === "number" && r.change[key] !== 0)
      .sort((a, b) => Number(b.change[key]) - Number(a.change[key]));
    if (!rows.length) box.append(el("p", { class: "muted" }, t("noChange")));
    else {
      const table = el("table", { class: "effect", id: "scenario-table" });
      const head = el("tr");
      for (const h of ["neighbourhood", "before", "after", "change"] as Key[]) head.append(el("th", {}, t(h)));
      table.append(head);
      const line = (name: string, r: { before: Json; after: Json; change: Json }, cls: string) => {
        const tr = el("tr", { class: cls, "data-change": String(r.change[key]) });
        tr.append(el("td", {}, name), el("td", {}, pct(r.before[key])), el("td", {}, pct(r.after[key])), el("td", { class: Number(r.change[key]) > 0 ? "up" : "down" }, signedPoints(r.change[key])));
        table.append(tr);
      };
      rows.forEach((r) => line(r.name, r, "hood"));
      line(t("total"), comparison.totals, "total");
      box.append(table);
    }
  }
  drawEdits();
  drawChange();
  drawSuggestions();
}

function source(id: string, data: GeoJSON.FeatureCollection): boolean {
  const src = host.map.getSource(id) as maplibregl.GeoJSONSource | undefined;
  if (src) {
    src.setData(data);
    return false;
  }
  host.map.addSource(id, { type: "geojson", data });
  return true;
}

/** Planned facilities as orange-ringed points/polygons. */
function drawEdits(): void {
  const features: GeoJSON.Feature[] = edits
    .filter((e) => e.op === "add" && e.geometry)
    .map((e) => ({ type: "Feature", geometry: e.geometry as GeoJSON.Geometry, properties: { kind: String(e.kind) } }));
  if (source("scenario-planned", { type: "FeatureCollection", features })) {
    host.map.addLayer({ id: "scenario-planned-area", type: "fill", source: "scenario-planned", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#e8590c", "fill-opacity": 0.45 } });
    host.map.addLayer({ id: "scenario-planned", type: "circle", source: "scenario-planned", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 8, "circle-color": "#fff", "circle-stroke-color": "#e8590c", "circle-stroke-width": 4 } });
  }
}

const CHANGE_COLOUR: maplibregl.ExpressionSpecification = ["interpolate", ["linear"], ["get", "change"], -0.25, "#b2182b", -0.02, "#f4a582", 0, "#f7f7f7", 0.02, "#92c5de", 0.25, "#2166ac"];

/** Neighbourhoods coloured by the change of the served share of the band shown. */
function drawChange(): void {
  const key = `served_share_${host.band()}`;
  const change = new Map(comparison?.neighbourhoods.map((r) => [r.id, r.change[key]]) ?? []);
  const features = host
    .neighbourhoods()
    .features.filter((f) => {
      // Only where something changed: elsewhere the base choropleth stays visible.
      const c = change.get(String(f.properties?.id));
      return typeof c === "number" && c !== 0;
    })
    .map((f) => ({ ...f, properties: { id: f.properties?.id, name: f.properties?.name, change: change.get(String(f.properties?.id)) } }));
  if (source("scenario-change", { type: "FeatureCollection", features })) {
    const before = host.map.getLayer(layerId("neighbourhood_outlines")) ? layerId("neighbourhood_outlines") : undefined;
    host.map.addLayer({ id: "scenario-change", type: "fill", source: "scenario-change", paint: { "fill-color": CHANGE_COLOUR, "fill-opacity": ["interpolate", ["linear"], ["zoom"], 12, 0.65, 15, 0.3] } }, before);
  }
  const show = $<HTMLInputElement>("scenario-show-change").checked && edits.length > 0;
  host.map.setLayoutProperty("scenario-change", "visibility", show ? "visible" : "none");
  $("scenario-change-legend").hidden = !show;
}

function drawSuggestions(): void {
  const features: GeoJSON.Feature[] = suggestions.flatMap((s) => {
    const p = { rank: s.rank, site_id: s.site_id };
    const out: GeoJSON.Feature[] = [];
    if (s.geometry && s.geometry.type !== "Point") out.push({ type: "Feature", geometry: s.geometry, properties: p });
    if (s.lon !== null && s.lat !== null) out.push({ type: "Feature", geometry: { type: "Point", coordinates: [s.lon, s.lat] }, properties: p });
    return out;
  });
  if (source("suggestions", { type: "FeatureCollection", features })) {
    host.map.addLayer({ id: "suggestions-area", type: "fill", source: "suggestions", filter: ["!=", ["geometry-type"], "Point"], paint: { "fill-color": "#7048e8", "fill-opacity": 0.3, "fill-outline-color": "#5f3dc4" } });
    host.map.addLayer({ id: "suggestions", type: "circle", source: "suggestions", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 9, "circle-color": "#7048e8", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  }
}

async function runSuggest(): Promise<void> {
  const kind = $<HTMLSelectElement>("suggest-kind").value;
  const count = $<HTMLInputElement>("suggest-count").value;
  const list = $("suggest-list");
  list.replaceChildren(el("li", { class: "muted" }, t("working")));
  try {
    const v = await api("GET", `/api/suggest?${new URLSearchParams({ kind, count })}`);
    suggestions = (v.suggestions as Suggestion[]) ?? [];
  } catch (e) {
    suggestions = [];
    list.replaceChildren(el("li", { class: "error" }, `${t("scenarioError")} ${(e as Error).message}`));
    drawSuggestions();
    return;
  }
  renderSuggestions();
  drawSuggestions();
}

function renderSuggestions(): void {
  const list = $("suggest-list");
  list.replaceChildren();
  if (!suggestions.length) list.append(el("li", { class: "muted" }, t("suggestNone")));
  for (const s of suggestions) {
    const li = el("li", { class: "suggestion", tabindex: "0", "data-site": s.site_id });
    const bands = BANDS.map((b) => `${t(`band_${b}` as Key)}: ${fmt(s.gained[b] ?? 0)}`).join(" · ");
    const title = `${s.rank}. ${s.name ?? `${s.source} (${s.site_id})`}${s.neighbourhood ? ` · ${s.neighbourhood.name}` : ""}`;
    li.append(el("span", { class: "name" }, title), el("span", { class: "gain" }, t("gained", { n: fmt(s.gained.total ?? 0) })), el("span", { class: "bands muted" }, bands));
    const plan = el("button", { type: "button", class: "link" }, t("planHere"));
    plan.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (s.lon === null || s.lat === null) return;
      const polygon = s.geometry && (s.geometry.type === "Polygon" || s.geometry.type === "MultiPolygon");
      void addEdit({ op: "add", kind: $<HTMLSelectElement>("suggest-kind").value, name: s.name, area_m2: null, access: "public", geometry: polygon ? s.geometry : { type: "Point", coordinates: [s.lon, s.lat] } });
    });
    li.append(plan);
    const zoom = () => s.lon !== null && s.lat !== null && host.map.flyTo({ center: [s.lon, s.lat], zoom: 16 });
    li.addEventListener("click", zoom);
    li.addEventListener("keydown", (e) => e.key === "Enter" && zoom());
    list.append(li);
  }
}

function setPlacing(on: boolean): void {
  placing = on;
  if (on) setDrawing(false);
  $("scenario-add").setAttribute("aria-pressed", String(on));
  $("scenario-hint").hidden = !on;
  host.map.getCanvas().style.cursor = on ? "crosshair" : "";
}

/** Starts or stops drawing an area: clicks add corners; a click on the first corner (or a
 * double click) closes the outline and adds it as a planned facility. */
function setDrawing(on: boolean): void {
  if (on) setPlacing(false);
  drawing = on ? [] : null;
  $("scenario-draw").setAttribute("aria-pressed", String(on));
  $("scenario-draw-hint").hidden = !on;
  if (on) host.map.doubleClickZoom.disable();
  else host.map.doubleClickZoom.enable();
  host.map.getCanvas().style.cursor = on ? "crosshair" : "";
  drawOutline();
}

function drawOutline(): void {
  const pts = drawing ?? [];
  const features: GeoJSON.Feature[] = pts.map((c) => ({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} }));
  if (pts.length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: pts }, properties: {} });
  if (source("scenario-outline", { type: "FeatureCollection", features })) {
    host.map.addLayer({ id: "scenario-outline-line", type: "line", source: "scenario-outline", paint: { "line-color": "#e8590c", "line-width": 2, "line-dasharray": [2, 1] } });
    host.map.addLayer({ id: "scenario-outline-corner", type: "circle", source: "scenario-outline", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 5, "circle-color": "#e8590c", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  }
}

/** One click while drawing: a corner, or the end of the outline. */
function drawClick(e: maplibregl.MapMouseEvent): void {
  if (!drawing) return;
  const first = drawing[0];
  const closes = first !== undefined && drawing.length >= 3 && host.map.project(first).dist(e.point) < 12;
  const last = drawing[drawing.length - 1];
  if (last !== undefined && host.map.project(last).dist(e.point) < 3) return; // a double click's clicks
  if (!closes) {
    drawing.push([Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))]);
    drawOutline();
    return;
  }
  finishDrawing();
}

function finishDrawing(): void {
  if (!drawing || drawing.length < 3) return;
  const ring = [...drawing, drawing[0]];
  setDrawing(false);
  void addEdit({ op: "add", kind: $<HTMLSelectElement>("scenario-kind").value, name: null, area_m2: null, access: "public", geometry: { type: "Polygon", coordinates: [ring] } });
}

/** The popup of an existing facility: close it, open it to the public, change its area. */
function facilityPopup(f: maplibregl.MapGeoJSONFeature, at: maplibregl.LngLat): void {
  const p = f.properties ?? {};
  const id = String(p.osm_id ?? "");
  if (!id) return;
  const label = `${p.name ?? t("unnamed")} · ${kindName(String(p.kind))}`;
  facilityNames.set(id, `${p.name ?? kindName(String(p.kind))} (${id})`);
  const box = el("div", { class: "facility-popup" });
  box.append(el("strong", {}, label), el("div", { class: "muted" }, `${id}${typeof p.area_m2 === "number" ? ` · ${fmt(p.area_m2)} m²` : ""}${p.access ? ` · access=${p.access}` : ""}`));
  const act = (text: Key, edit: () => Edit | null) => {
    const b = el("button", { type: "button" }, t(text));
    b.addEventListener("click", () => {
      const e = edit();
      if (!e) return;
      popup?.remove();
      void addEdit(e);
    });
    box.append(b);
  };
  act("removeFacility", () => ({ op: "remove", osm_id: id }));
  act("openFacility", () => ({ op: "set_access", osm_id: id, access: "public" }));
  const area = el("input", { type: "number", min: "0", step: "50", value: String(Math.round(typeof p.area_m2 === "number" ? p.area_m2 * 1.5 : 500)), "aria-label": t("area"), class: "area" });
  box.append(area);
  act("enlargeFacility", () => (Number(area.value) >= 0 && area.value !== "" ? { op: "enlarge", osm_id: id, area_m2: Number(area.value) } : null));
  popup?.remove();
  popup = new maplibregl.Popup({ maxWidth: "280px" }).setLngLat(at).setDOMContent(box).addTo(host.map);
}

/** Handles a map click for the scenario panel (placing a facility; a facility's popup when
 * `facilities`); true when it used the click. */
export function scenarioClick(e: maplibregl.MapMouseEvent, facilities: boolean): boolean {
  if (!host) return false;
  if (drawing) {
    drawClick(e);
    return true;
  }
  if (placing) {
    setPlacing(false);
    const area = Number($<HTMLInputElement>("scenario-area").value);
    void addEdit({
      op: "add",
      kind: $<HTMLSelectElement>("scenario-kind").value,
      name: null,
      area_m2: Number.isFinite(area) && $<HTMLInputElement>("scenario-area").value !== "" ? area : null,
      access: "public",
      geometry: { type: "Point", coordinates: [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))] },
    });
    return true;
  }
  if (!facilities) return false;
  const layers = facilityLayers().filter((l) => host.map.getLayer(l));
  const hit = host.map.queryRenderedFeatures(e.point, { layers })[0];
  if (hit) {
    facilityPopup(hit, e.lngLat);
    return true;
  }
  return false;
}

/** Fills the kind selects (on start and on a language change). */
export function translate(): void {
  for (const id of ["scenario-kind", "suggest-kind"]) {
    const sel = $<HTMLSelectElement>(id);
    const value = sel.value || "playground";
    sel.replaceChildren(...KINDS.map((k) => el("option", { value: k }, kindName(k))));
    sel.value = value;
  }
  const pick = $<HTMLSelectElement>("scenario-select");
  if (pick.options[0]) pick.options[0].textContent = t("scenarioSketch");
  render();
  if (suggestions.length) renderSuggestions();
}

/** Wires the panel to the map; call once the map's style has loaded. */
export function initScenarios(h: ScenarioHost): void {
  host = h;
  translate();
  const token = $<HTMLInputElement>("edit-token");
  token.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  token.addEventListener("change", () => sessionStorage.setItem(TOKEN_KEY, token.value.trim()));
  $<HTMLSelectElement>("scenario-select").addEventListener("change", (e) => {
    const v = (e.target as HTMLSelectElement).value;
    void guarded(() => choose(v === "" ? null : Number(v)));
  });
  $<HTMLFormElement>("scenario-new").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $<HTMLInputElement>("scenario-name");
    void guarded(async () => {
      const s = await api("POST", "/api/scenarios", { name: name.value.trim(), description: "" });
      name.value = "";
      await loadList(Number(s.id));
      await choose(Number(s.id));
    });
  });
  $("scenario-add").addEventListener("click", () => setPlacing(!placing));
  $("scenario-draw").addEventListener("click", () => setDrawing(drawing === null));
  host.map.on("dblclick", (e) => {
    if (!drawing) return;
    e.preventDefault();
    finishDrawing();
  });
  $("scenario-show-change").addEventListener("change", () => drawChange());
  $<HTMLFormElement>("suggest-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runSuggest();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (placing) setPlacing(false);
    if (drawing) setDrawing(false);
  });
  $("scenario-change-legend").replaceChildren(
    el("div", { class: "ramp", style: "background:linear-gradient(90deg,#b2182b,#f4a582,#f7f7f7,#92c5de,#2166ac)" }),
    el("div", { class: "ramp-labels" }),
  );
  $("scenario-change-legend").lastElementChild!.append(el("span", {}, "−25 pp"), el("span", {}, "0"), el("span", {}, "+25 pp"));
  void loadList(null);
  render();
}
