// The planner map's "Scenarios" panel: the edit key first, then choose or create a scenario;
// drop a named planned facility on the map (mouse, or keyboard: crosshair + arrow keys + Enter)
// or draw its area; close / open / resize an existing one from its popup (information first,
// actions behind an explicit step); see the effect for the band shown — children gained and
// lost apart, net only as net — per neighbourhood, and on the map as 100 m cells gained/lost,
// the gap areas after the edits and the changed facility's catchment; location suggestions
// planned exactly as evaluated.
//
// Without a stored scenario, edits form an unsaved sketch answered by POST /api/compare.
import maplibregl from "maplibre-gl";
import { BANDS, type Band, KINDS, el, kindName, layerId, legend } from "./common";
import { bandLimit, int, pct, pointsBetween, signed, standardNamed } from "./format";
import { lang, t, type Key } from "./i18n";

type Json = Record<string, unknown>;
/** An edit as the API writes it (docs/interfaces.md, "HTTP: scenarios and suggestions"). */
type Edit = Json & { op: "add" | "remove" | "set_access" | "enlarge" };
type PerBand = Partial<Record<Band | "total", number>>;
interface Side {
  before: Json;
  after: Json;
  change: Json;
  gained?: PerBand;
  lost?: PerBand;
}
interface Row extends Side {
  id: string;
  name: string;
}
interface Comparison {
  standard?: string;
  neighbourhoods: Row[];
  totals: Side;
  cells?: GeoJSON.FeatureCollection;
  gap_areas?: GeoJSON.FeatureCollection;
}
interface Suggestion {
  rank: number;
  site_id: string;
  source: string;
  name: string | null;
  label?: string;
  lon: number | null;
  lat: number | null;
  area_m2: number;
  gained: PerBand;
  gained_alone?: PerBand;
  edit?: Edit;
  neighbourhood: { id: string; name: string } | null;
  geometry: GeoJSON.Geometry | null;
}

export interface ScenarioHost {
  map: maplibregl.Map;
  /** The age band the map shows. */
  band: () => Band;
  /** The neighbourhoods of /api/neighbourhoods. */
  neighbourhoods: () => GeoJSON.FeatureCollection;
  /** The facilities of /api/facilities (names and places for the edit list and catchments). */
  facilities: () => GeoJSON.FeatureCollection;
}

const TOKEN_KEY = "spielraum.editToken";
/** What the comparisons ask for besides the table: 100 m cells and the gap areas after. */
const COMPARE_EXTRAS = "cells=100&gaps=1";
const facilityLayers = () => [layerId("facility_points"), layerId("facility_areas")];

/** A failed request: the server's machine `code` (contract of issue 17) and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
  ) {
    super(code);
  }
}

/** The planner's sentence for an API error (never the server's English text). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const key = `err_${e.code}` as Key;
    // An unknown code reads like "internal" (docs/interfaces.md, "Error codes"), with its status.
    return e.code === "unknown" || t(key) === key ? t("err_unknown", { status: e.status }) : t(key);
  }
  return t("err_offline");
}

let host: ScenarioHost;
/** The stored scenario shown, or null for the unsaved sketch. */
let scenarioId: number | null = null;
let edits: Edit[] = [];
let comparison: Comparison | null = null;
let suggestions: Suggestion[] = [];
let placing = false;
/** Where focus goes back to when placing or a popup ends. */
let placingOpener: HTMLElement | null = null;
/** Outline being drawn (lon/lat), or null when not drawing an area. */
let drawing: [number, number][] | null = null;
let editing = false;
let popup: maplibregl.Popup | null = null;
/** Names of facilities edited in this session, by OSM id (for the edit list). */
const facilityNames = new Map<string, string>();
/** Catchment polygons by "lon,lat,metres". */
const catchments = new Map<string, GeoJSON.Feature | null>();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function api(method: string, path: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = sessionStorage.getItem(TOKEN_KEY);
  // Sent on reads too: a server started with --private-scenarios asks for it there.
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError("offline", 0);
  }
  const v = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) throw new ApiError(typeof v.code === "string" ? v.code : "unknown", res.status);
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
    status(errorText(e), true);
  }
}

const tokenValue = () => $<HTMLInputElement>("edit-token").value.trim();

/** The token step: creating a scenario waits for the edit key. */
function tokenState(): void {
  const has = tokenValue() !== "";
  $("scenario-token-first").hidden = has || !editing;
  $<HTMLButtonElement>("scenario-new").querySelector("button")!.disabled = !has;
  $<HTMLInputElement>("scenario-name").disabled = !has;
}

async function loadList(select?: number | null): Promise<void> {
  const v = await api("GET", "/api/scenarios").catch(() => ({ scenarios: [], editing: false }) as Json);
  editing = v.editing === true;
  const list = (v.scenarios as { id: number; name: string }[]) ?? [];
  const sel = $<HTMLSelectElement>("scenario-select");
  sel.replaceChildren(el("option", { value: "" }, t("scenarioSketch")));
  for (const s of list) sel.append(el("option", { value: String(s.id) }, s.name));
  sel.value = select == null ? "" : String(select);
  $("scenario-token-step").hidden = !editing;
  $("scenario-edit-rows").hidden = !editing;
  $("scenario-readonly").hidden = editing;
  tokenState();
}

async function storedComparison(id: number): Promise<Comparison | null> {
  return edits.length ? ((await api("GET", `/api/scenarios/${id}/compare?${COMPARE_EXTRAS}`)) as unknown as Comparison) : null;
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
  comparison = await storedComparison(id);
  render();
}

/** Adds one edit: to the stored scenario or to the sketch; then the comparison with cells and gaps. */
async function addEdit(edit: Edit): Promise<void> {
  await guarded(async () => {
    if (scenarioId !== null) {
      const v = await api("POST", `/api/scenarios/${scenarioId}/edits`, edit);
      edits = ((v.scenario as Json).edits as Edit[]) ?? [];
      // The stored answer at once; then the comparison with its cells and gap areas.
      comparison = edits.length ? (v.comparison as Comparison) : null;
      render();
      comparison = await storedComparison(scenarioId);
    } else {
      const next = [...edits, edit];
      comparison = (await api("POST", `/api/compare?${COMPARE_EXTRAS}`, { edits: next })) as unknown as Comparison;
      edits = next;
    }
    standardNamed(comparison?.standard);
    render();
  });
}

async function removeEdit(position: number): Promise<void> {
  await guarded(async () => {
    if (scenarioId !== null) {
      const v = await api("DELETE", `/api/scenarios/${scenarioId}/edits/${position}`);
      edits = ((v.scenario as Json).edits as Edit[]) ?? [];
      // The stored answer at once; then the comparison with its cells and gap areas.
      comparison = edits.length ? (v.comparison as Comparison) : null;
      render();
      comparison = await storedComparison(scenarioId);
    } else {
      const next = edits.filter((_, i) => i !== position);
      comparison = next.length ? ((await api("POST", `/api/compare?${COMPARE_EXTRAS}`, { edits: next })) as unknown as Comparison) : null;
      edits = next;
    }
    if (!edits.length) comparison = null;
    render();
  });
}

function facilityById(id: unknown): GeoJSON.Feature | undefined {
  return host.facilities().features.find((x) => x.properties?.osm_id === id);
}

function editLabel(e: Edit): string {
  const what = (id: unknown) => {
    const known = facilityNames.get(String(id));
    if (known) return known;
    const f = facilityById(id);
    return f ? `${f.properties?.name ?? kindName(String(f.properties?.kind))}` : String(id);
  };
  switch (e.op) {
    case "add":
      return t("op_add", { what: e.name ? t("named", { kind: kindName(String(e.kind)), name: String(e.name) }) : kindName(String(e.kind)) });
    case "remove":
      return t("op_remove", { what: what(e.osm_id) });
    case "set_access":
      return t("op_set_access", { what: what(e.osm_id), access: String(e.access) });
    case "enlarge":
      return t("op_enlarge", { what: what(e.osm_id), area: int(Number(e.area_m2)) });
  }
}

/** The headline for a band: gained and lost apart, net only as net; data-* carry the figures. */
function headline(c: Comparison, band: Band): HTMLElement {
  const p = el("p", { class: "headline", id: "scenario-headline" });
  const net = Number(c.totals.change[`served_children_${band}`] ?? 0);
  p.dataset.band = band;
  p.dataset.net = String(net);
  const gained = c.totals.gained?.[band];
  const lost = c.totals.lost?.[band];
  if (typeof gained === "number" && typeof lost === "number") {
    p.dataset.gained = String(gained);
    p.dataset.lost = String(lost);
    // Net of the two figures shown (gained − lost), so the line adds up as it reads.
    const shownNet = Math.round(gained) - Math.round(lost);
    p.dataset.shownNet = String(shownNet);
    p.append(
      Math.round(gained) > 0 ? el("span", { class: "up" }, t("gainedChildren", { n: int(gained) })) : el("span", {}, t("noneGained")),
      ", ",
      Math.round(lost) > 0 ? el("span", { class: "down" }, t("lostChildren", { n: int(lost) })) : el("span", {}, t("noneLost")),
      " ",
      el("span", { class: "net" }, `(${t("netChildren", { n: signed(shownNet) })})`),
    );
  } else {
    p.append(el("span", { class: "net" }, t("netOnly", { n: signed(Math.round(net)) })));
  }
  return p;
}

/** Re-draws the edit list, the effect and the map layers from the current state. */
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
    box.append(el("h3", {}, t("effectFor", { band: t(`band_${band}` as Key) })), headline(comparison, band));
    const tb = comparison.totals;
    if (typeof tb.before[key] === "number" && typeof tb.after[key] === "number") {
      const b = tb.before[key] as number;
      const a = tb.after[key] as number;
      box.append(el("p", { class: "small", id: "scenario-total-share" }, t("totalShare", { before: pct(b), after: pct(a), points: t("points", { n: pointsBetween(b, a) }) })));
    }
    const rows = comparison.neighbourhoods
      .filter((r) => typeof r.change[key] === "number" && r.change[key] !== 0)
      .sort((a, b) => Number(b.change[key]) - Number(a.change[key]));
    if (!rows.length) box.append(el("p", { class: "muted" }, t("noChange")));
    else {
      const table = el("table", { class: "effect", id: "scenario-table" });
      const head = el("tr");
      for (const h of ["neighbourhood", "before", "after", "change"] as Key[]) head.append(el("th", {}, t(h)));
      table.append(el("caption", {}, t("changePoints")), head);
      const line = (name: string, r: Side, cls: string) => {
        const b = Number(r.before[key]);
        const a = Number(r.after[key]);
        const tr = el("tr", { class: cls, "data-change": String(r.change[key]) });
        // Children gained and lost in this row, apart (contract item 2), where the server gives them.
        const g = r.gained?.[band];
        const l = r.lost?.[band];
        if (typeof g === "number" && typeof l === "number") tr.title = `${t("gainedChildren", { n: int(g) })}, ${t("lostChildren", { n: int(l) })}`;
        tr.append(el("td", {}, name), el("td", {}, pct(b)), el("td", {}, pct(a)), el("td", { class: a > b ? "up" : a < b ? "down" : "" }, pointsBetween(b, a)));
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

const empty: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
const CELL_GAINED = "#2166ac";
const CELL_LOST = "#b2182b";

/** A point of an edit's place: its point, the first corner of its outline, or the facility's. */
function editPlace(e: Edit): [number, number] | null {
  const first = (g: GeoJSON.Geometry | undefined): [number, number] | null => {
    if (!g) return null;
    let out: [number, number] | null = null;
    const visit = (c: unknown): void => {
      if (out) return;
      if (Array.isArray(c) && typeof c[0] === "number") out = [c[0], c[1] as number];
      else if (Array.isArray(c)) c.forEach(visit);
    };
    visit((g as GeoJSON.Polygon).coordinates);
    return out;
  };
  if (e.op === "add") {
    const g = e.geometry as GeoJSON.Geometry | undefined;
    if (g && g.type !== "Point") {
      // The centre of the outline's corners.
      const pts: [number, number][] = [];
      const visit = (c: unknown): void => {
        if (Array.isArray(c) && typeof c[0] === "number") pts.push([c[0], c[1] as number]);
        else if (Array.isArray(c)) c.forEach(visit);
      };
      visit((g as GeoJSON.Polygon).coordinates);
      if (pts.length) return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
    }
    return first(g);
  }
  return first(facilityById(e.osm_id)?.geometry);
}

/** The catchments of the changed facilities for the band shown (GET /api/reach?metres=…). */
async function drawCatchments(): Promise<void> {
  const limit = bandLimit(host.band());
  const show = $<HTMLInputElement>("scenario-show-change").checked && edits.length > 0 && limit !== null;
  const wanted = show ? edits.map(editPlace).filter((p): p is [number, number] => p !== null) : [];
  const keys = wanted.map(([lon, lat]) => `${lon.toFixed(6)},${lat.toFixed(6)},${limit?.metres}`);
  await Promise.all(
    keys
      .filter((k) => !catchments.has(k))
      .map(async (k) => {
        const [lon, lat, m] = k.split(",");
        try {
          // /api/reach takes minutes at the server's walking speed (4.5 km/h = 75 m a minute; its
          // answer states both): the band's limit in metres as minutes.
          const minutes = (Number(m) / 75).toFixed(6);
          const fc = (await api("GET", `/api/reach?${new URLSearchParams({ lon: lon!, lat: lat!, minutes })}`)) as unknown as GeoJSON.FeatureCollection;
          catchments.set(k, fc.features.find((f) => f.properties?.type === "isochrone") ?? null);
        } catch {
          catchments.set(k, null);
        }
      }),
  );
  const features = keys.map((k) => catchments.get(k)).filter((f): f is GeoJSON.Feature => !!f);
  if (source("scenario-catchment", { type: "FeatureCollection", features })) {
    host.map.addLayer({ id: "scenario-catchment-fill", type: "fill", source: "scenario-catchment", paint: { "fill-color": "#e8590c", "fill-opacity": 0.08 } });
    host.map.addLayer({ id: "scenario-catchment", type: "line", source: "scenario-catchment", paint: { "line-color": "#e8590c", "line-width": 2.5, "line-dasharray": [3, 2] } });
  }
}

/** The effect on the map: 100 m cells gained / lost for the band, the gap areas after the edits. */
function drawChange(): void {
  const band = host.band();
  const show = $<HTMLInputElement>("scenario-show-change").checked && edits.length > 0 && comparison !== null;
  const cells = show && comparison?.cells ? comparison.cells : empty;
  if (source("scenario-cells", cells)) {
    const before = host.map.getLayer(layerId("facility_areas")) ? layerId("facility_areas") : undefined;
    host.map.addLayer({ id: "scenario-cells", type: "fill", source: "scenario-cells", paint: { "fill-opacity": 0.5, "fill-outline-color": "#ffffff" } }, before);
  }
  const g = ["to-number", ["coalesce", ["get", `gained_${band}`], 0]];
  const l = ["to-number", ["coalesce", ["get", `lost_${band}`], 0]];
  host.map.setFilter("scenario-cells", ["any", [">", g, 0], [">", l, 0]] as unknown as maplibregl.FilterSpecification);
  host.map.setPaintProperty("scenario-cells", "fill-color", ["case", [">=", g, l], CELL_GAINED, CELL_LOST] as unknown as maplibregl.ExpressionSpecification);

  // The gap areas after the edits replace the base gap layer while a comparison carries them.
  const after = show && comparison?.gap_areas ? comparison.gap_areas : null;
  if (source("scenario-gaps", after ?? empty)) {
    const before = host.map.getLayer("scenario-cells") ? "scenario-cells" : undefined;
    host.map.addLayer({ id: "scenario-gaps", type: "fill", source: "scenario-gaps", paint: { "fill-pattern": "gap-hatch", "fill-opacity": 0.85 } }, before);
    host.map.addLayer({ id: "scenario-gaps-outline", type: "line", source: "scenario-gaps", paint: { "line-color": legend.gap || "#c92a2a", "line-width": 1.5 } }, before);
  }
  const gf = [">", ["to-number", ["coalesce", ["get", `gap_children_${band}`], 0]], 0] as maplibregl.FilterSpecification;
  host.map.setFilter("scenario-gaps", gf);
  host.map.setFilter("scenario-gaps-outline", gf);
  // The base gap layer fades out (its visibility stays the planner's layer toggle, which the
  // gaps after follow).
  const visible = host.map.getLayer(layerId("gaps")) ? (host.map.getLayoutProperty(layerId("gaps"), "visibility") ?? "visible") : "visible";
  for (const id of ["scenario-gaps", "scenario-gaps-outline"]) host.map.setLayoutProperty(id, "visibility", visible);
  if (host.map.getLayer(layerId("gaps"))) host.map.setPaintProperty(layerId("gaps"), "fill-opacity", after ? 0 : 0.85);
  if (host.map.getLayer("gaps-outline")) host.map.setPaintProperty("gaps-outline", "line-opacity", after ? 0 : 1);
  void drawCatchments();
  legendBox(show, !!comparison?.cells, !!after);
}

function legendBox(show: boolean, cells: boolean, gaps: boolean): void {
  const box = $("scenario-change-legend");
  box.hidden = !show;
  box.replaceChildren();
  const item = (swatch: HTMLElement, text: string) => {
    const row = el("div", { class: "item" });
    row.append(swatch, el("span", {}, text));
    box.append(row);
  };
  if (cells) {
    item(el("span", { class: "swatch", style: `background:${CELL_GAINED}` }), t("cellsGained"));
    item(el("span", { class: "swatch", style: `background:${CELL_LOST}` }), t("cellsLost"));
  }
  const limit = bandLimit(host.band());
  if (limit) item(el("span", { class: "swatch", style: "background:none;border:2px dashed #e8590c" }), t("catchment", { m: int(limit.metres) }));
  if (gaps) item(el("span", { class: "hatch", style: `--gap:${legend.gap || "#c92a2a"}` }), t("gapsAfter"));
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
    const v = await api("GET", `/api/suggest?${new URLSearchParams({ kind, count, lang: lang() })}`);
    suggestions = (v.suggestions as Suggestion[]) ?? [];
  } catch (e) {
    suggestions = [];
    list.replaceChildren(el("li", { class: "error" }, errorText(e)));
    drawSuggestions();
    return;
  }
  renderSuggestions();
  drawSuggestions();
}

/** A suggestion's name: the server's label, else its OSM name, else the kind of site. */
const suggestionLabel = (s: Suggestion) => s.label ?? s.name ?? kindName($<HTMLSelectElement>("suggest-kind").value);

function renderSuggestions(): void {
  const list = $("suggest-list");
  list.replaceChildren();
  if (!suggestions.length) list.append(el("li", { class: "muted" }, t("suggestNone")));
  for (const s of suggestions) {
    const li = el("li", { class: "suggestion", "data-site": s.site_id });
    // The figure with the button is what this site alone gains (contract: gained_alone).
    const alone = s.gained_alone ?? s.gained;
    const bands = BANDS.map((b) => `${t(`band_${b}` as Key)}: ${signed(Math.round(alone[b] ?? 0))}`).join(" · ");
    const title = el("button", { type: "button", class: "link name" }, `${s.rank}. ${suggestionLabel(s)}${s.neighbourhood ? ` · ${s.neighbourhood.name}` : ""}`);
    title.addEventListener("click", () => s.lon !== null && s.lat !== null && host.map.flyTo({ center: [s.lon, s.lat], zoom: 16 }));
    li.append(title, el("span", { class: "gain", title: t("suggestFor") }, t("gained", { n: int(alone.total ?? 0) })), el("span", { class: "bands muted" }, `${t("suggestFor")}: ${bands}`));
    const plan = el("div", { class: "plan" });
    const field = el("label", { class: "field" });
    const name = el("input", { type: "text", maxlength: "200", class: "plan-name", value: suggestionLabel(s) });
    field.append(el("span", {}, t("suggestName")), name);
    const go = el("button", { type: "button", class: "plan-btn" }, t("planHere"));
    go.addEventListener("click", () => {
      const named = name.value.trim() || null;
      // Show the site while its effect is computed: the cells, gaps and catchment appear there.
      if (s.lon !== null && s.lat !== null) host.map.flyTo({ center: [s.lon, s.lat], zoom: Math.max(host.map.getZoom(), 15) });
      if (s.edit) {
        void addEdit({ ...s.edit, name: named } as Edit);
        return;
      }
      if (s.lon === null || s.lat === null) return;
      const polygon = s.geometry && (s.geometry.type === "Polygon" || s.geometry.type === "MultiPolygon");
      void addEdit({ op: "add", kind: $<HTMLSelectElement>("suggest-kind").value, name: named, area_m2: s.area_m2 ?? null, access: "public", geometry: polygon ? s.geometry : { type: "Point", coordinates: [s.lon, s.lat] } });
    });
    plan.append(field, go);
    li.append(plan);
    list.append(li);
  }
}

function setPlacing(on: boolean): void {
  placing = on;
  if (on) setDrawing(false);
  $("scenario-add").setAttribute("aria-pressed", String(on));
  $("scenario-hint").hidden = !on;
  $("crosshair").hidden = !on;
  host.map.getCanvas().style.cursor = on ? "crosshair" : "";
  if (on) {
    placingOpener = document.activeElement as HTMLElement | null;
    // The map takes the keyboard: arrow keys pan it under the crosshair, Enter drops.
    host.map.getCanvas().focus({ preventScroll: true });
  }
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

/** The name the planner gave the planned place (the field is emptied once used). */
function takeName(): string | null {
  const f = $<HTMLInputElement>("scenario-planned-name");
  const v = f.value.trim();
  f.value = "";
  return v || null;
}

function finishDrawing(): void {
  if (!drawing || drawing.length < 3) return;
  const ring = [...drawing, drawing[0]];
  setDrawing(false);
  void addEdit({ op: "add", kind: $<HTMLSelectElement>("scenario-kind").value, name: takeName(), area_m2: null, access: "public", geometry: { type: "Polygon", coordinates: [ring] } });
}

/** Adds the planned facility at a place (a click, or the crosshair with Enter). */
function placeAt(lngLat: maplibregl.LngLat): void {
  setPlacing(false);
  const areaField = $<HTMLInputElement>("scenario-area");
  const area = Number(areaField.value);
  void addEdit({
    op: "add",
    kind: $<HTMLSelectElement>("scenario-kind").value,
    name: takeName(),
    area_m2: Number.isFinite(area) && areaField.value !== "" ? area : null,
    access: "public",
    geometry: { type: "Point", coordinates: [Number(lngLat.lng.toFixed(6)), Number(lngLat.lat.toFixed(6))] },
  });
  placingOpener?.focus({ preventScroll: true });
}

/**
 * The popup of an existing facility: what it is first (name, kind, area, access); the scenario
 * actions behind an explicit "Change in the scenario …" step, each saying what it does.
 * Closing the popup gives the focus back to `opener`.
 */
export function showFacilityPopup(p: Json, at: maplibregl.LngLat, opener: HTMLElement | null = null): void {
  const id = String(p.osm_id ?? "");
  if (!id) return;
  const kind = kindName(String(p.kind));
  facilityNames.set(id, `${p.name ?? kind}`);
  const box = el("div", { class: "facility-popup" });
  box.append(el("h3", {}, String(p.name ?? t("unnamed"))));
  const dl = el("dl");
  const fact = (k: string, v: string) => dl.append(el("dt", {}, k), el("dd", {}, v));
  fact(t("kind"), kind);
  if (typeof p.area_m2 === "number" && p.area_m2 > 0) fact(t("facilityArea"), `${int(p.area_m2)} ${t("squareMetres")}`);
  if (p.access) {
    const key = `access_${String(p.access)}` as Key;
    fact(t("facilityAccess"), t(key) === key ? String(p.access) : t(key));
  }
  box.append(dl);
  const actions = el("details", { class: "actions" });
  actions.append(el("summary", {}, t("scenarioActions")));
  const act = (text: string, edit: () => Edit | null, cls = "") => {
    const b = el("button", { type: "button", class: cls }, text);
    b.addEventListener("click", () => {
      const e = edit();
      if (!e) return;
      popup?.remove();
      void addEdit(e);
    });
    actions.append(b);
    return b;
  };
  act(t("closeInScenario", { kind: lang() === "en" ? kind.toLowerCase() : kind }), () => ({ op: "remove", osm_id: id }), "danger close-facility");
  if (p.access && p.access !== "public" && p.access !== "yes") act(t("openInScenario"), () => ({ op: "set_access", osm_id: id, access: "public" }));
  const field = el("label", { class: "field" });
  const area = el("input", { type: "number", min: "0", step: "50", value: String(Math.round(typeof p.area_m2 === "number" && p.area_m2 > 0 ? p.area_m2 * 1.5 : 500)), class: "area" });
  field.append(el("span", {}, `${t("newArea")} (${t("squareMetres")})`), area);
  actions.append(field);
  act(t("resizeInScenario"), () => (Number(area.value) >= 0 && area.value !== "" ? { op: "enlarge", osm_id: id, area_m2: Number(area.value) } : null));
  box.append(actions);
  popup?.remove();
  const back = opener ?? (document.activeElement as HTMLElement | null);
  popup = new maplibregl.Popup({ maxWidth: "300px", focusAfterOpen: true }).setLngLat(at).setDOMContent(box).addTo(host.map);
  popup.on("close", () => back?.focus({ preventScroll: true }));
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
    placeAt(e.lngLat);
    return true;
  }
  if (!facilities) return false;
  const layers = facilityLayers().filter((l) => host.map.getLayer(l));
  const hit = host.map.queryRenderedFeatures(e.point, { layers })[0];
  if (hit) {
    showFacilityPopup(hit.properties ?? {}, e.lngLat, host.map.getCanvas());
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
  const keep = () => {
    sessionStorage.setItem(TOKEN_KEY, token.value.trim());
    tokenState();
  };
  token.addEventListener("change", keep);
  token.addEventListener("input", keep);
  $<HTMLSelectElement>("scenario-select").addEventListener("change", (e) => {
    const v = (e.target as HTMLSelectElement).value;
    void guarded(() => choose(v === "" ? null : Number(v)));
  });
  $<HTMLFormElement>("scenario-new").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!tokenValue()) {
      status(t("err_token_missing"), true);
      token.focus();
      return;
    }
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
  // Keyboard placement: Enter (or Space) on the focused map drops the facility at the crosshair.
  host.map.getCanvasContainer().addEventListener("keydown", (e) => {
    if (!placing || (e.key !== "Enter" && e.key !== " ")) return;
    e.preventDefault();
    placeAt(host.map.getCenter());
  });
  $("scenario-show-change").addEventListener("change", () => drawChange());
  $<HTMLFormElement>("suggest-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runSuggest();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    // Closing the popup gives the focus back to what opened it (its "close" handler).
    if (popup?.isOpen()) popup.remove();
    if (placing) {
      setPlacing(false);
      placingOpener?.focus({ preventScroll: true });
    }
    if (drawing) {
      setDrawing(false);
      $("scenario-draw").focus({ preventScroll: true });
    }
  });
  void loadList(null);
  render();
}
