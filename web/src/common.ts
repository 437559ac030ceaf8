// Shared by the planner map and the embed: map creation, place labels, reach queries, colours.
import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import { el } from "./dom";
import { lang, t, type Key } from "./i18n";

export const KINDS = [
  "playground",
  "kindergarten",
  "school",
  "open_space",
  "library",
  "youth_centre",
  "family_centre",
  "sports_pitch",
  "community_garden",
] as const;
export const BANDS = ["age_0_5", "age_6_11", "age_12_17"] as const;
export type Band = (typeof BANDS)[number];

/**
 * How the map is drawn, as the style's `metadata` says (the server's map crate writes it): kind
 * colours in legend order, the served-share ramp, the "no data" colour, layer ids by role. Filled
 * when the style has loaded; the app keeps no copy of its own.
 */
export interface Legend {
  kinds: string[];
  kindColours: Record<string, string>;
  /**
   * The letter inside each kind's map symbol (P Spielplatz, K Kita, S Schule, F Freifläche,
   * L library, J Jugendzentrum, Z Familienzentrum, B Bolzplatz, G Gemeinschaftsgarten).
   */
  kindLetters: Record<string, string>;
  otherKind: string;
  shareStops: [number, string][];
  noData: string;
  gap: string;
  layers: Record<string, string>;
}

export const legend: Legend = { kinds: [], kindColours: {}, kindLetters: {}, otherKind: "", shareStops: [], noData: "", gap: "", layers: {} };

function readLegend(map: maplibregl.Map): void {
  const m = (map.getStyle().metadata ?? {}) as Record<string, unknown>;
  legend.kinds = (m["spielraum:kinds"] as string[] | undefined) ?? [];
  legend.kindColours = (m["spielraum:kind-colours"] as Record<string, string> | undefined) ?? {};
  legend.kindLetters = (m["spielraum:kind-letters"] as Record<string, string> | undefined) ?? {};
  legend.otherKind = (m["spielraum:other-kind-colour"] as string | undefined) ?? "";
  legend.shareStops = (m["spielraum:share-stops"] as [number, string][] | undefined) ?? [];
  legend.noData = (m["spielraum:no-data-colour"] as string | undefined) ?? "";
  legend.gap = (m["spielraum:gap-colour"] as string | undefined) ?? "";
  legend.layers = (m["spielraum:layers"] as Record<string, string> | undefined) ?? {};
}

/** The colour of a facility kind on the map. */
export function kindColour(kind: string): string {
  return legend.kindColours[kind] ?? legend.otherKind;
}

/** The id of the style layer with a role: `neighbourhoods`, `neighbourhood_outlines`, `gaps`, `population`, `facility_areas`, `facility_points`. */
export function layerId(role: string): string {
  return legend.layers[role] ?? role;
}

/** MapLibre's control and popup texts in German. */
const MAPLIBRE_DE: Record<string, string> = {
  "AttributionControl.ToggleAttribution": "Quellenangaben zeigen",
  "AttributionControl.MapFeedback": "Rückmeldung zur Karte",
  "Map.Title": "Karte",
  "Marker.Title": "Markierung",
  "NavigationControl.ResetBearing": "Nach Norden ausrichten",
  "NavigationControl.ZoomIn": "Vergrößern",
  "NavigationControl.ZoomOut": "Verkleinern",
  "Popup.Close": "Schließen",
  "ScaleControl.Kilometers": "km",
  "ScaleControl.Meters": "m",
};

declare global {
  interface Window {
    spielraumMap?: maplibregl.Map;
  }
}

/**
 * Creates the map on `#map` from our own style (the server's `/style.json` unless `style` is
 * given, e.g. by the static page) and exposes it as `window.spielraumMap`.
 */
export function createMap(opts: { interactive?: boolean; style?: maplibregl.StyleSpecification } = {}): maplibregl.Map {
  const map = new maplibregl.Map({
    container: "map",
    style: opts.style ?? new URL("/style.json", location.href).toString(),
    attributionControl: false,
    hash: false,
    interactive: opts.interactive ?? true,
    // MapLibre's own words (buttons, popups) in the UI language.
    locale: lang() === "de" ? MAPLIBRE_DE : {},
  });
  map.addControl(new maplibregl.AttributionControl({ compact: false }), "bottom-right");
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  window.spielraumMap = map;
  map.once("style.load", () => readLegend(map));
  map.once("load", () => fitData(map));
  return map;
}

function fitData(map: maplibregl.Map): void {
  const meta = map.getStyle().metadata as Record<string, unknown> | undefined;
  const bounds = (meta?.["spielraum:bounds"] ?? (map.getSource("spielraum") as maplibregl.VectorTileSource | undefined)?.bounds) as number[] | undefined;
  if (bounds && !new URLSearchParams(location.search).has("bbox")) {
    map.fitBounds(bounds as [number, number, number, number], { padding: 30, duration: 0 });
  }
}

export interface ReachResult {
  iso: GeoJSON.Feature | undefined;
  facilities: GeoJSON.Feature[];
}

/** Asks `/api/reach` and draws the isochrone and the facilities reached. */
/** The time the map asks about: always (today's numbers), now, weekday afternoons, the weekend. */
export type TimeChoice = "always" | "now" | "weekday" | "weekend";
/** Every choice, in the order of the control. */
export const TIMES: TimeChoice[] = ["always", "now", "weekday", "weekend"];
let timeChoice: TimeChoice = "always";

/** Chooses the time every later request asks about. */
export function setTimeChoice(c: TimeChoice): void {
  timeChoice = c;
}

/** The time chosen. */
export function currentTime(): TimeChoice {
  return timeChoice;
}

/** The query parameters of the time chosen (`at=…` or `window=…`), empty for "always". "Now" is
 * this browser's local time; the windows are those of docs/methods.md ("Time"). */
export function timeParams(): string {
  const two = (n: number) => String(n).padStart(2, "0");
  switch (timeChoice) {
    case "now": {
      const d = new Date();
      const at = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
      return `at=${encodeURIComponent(at)}`;
    }
    case "weekday":
      return `window=${encodeURIComponent("Mo-Fr 14:00-18:00")}`;
    case "weekend":
      return `window=${encodeURIComponent("Sa,Su 10:00-18:00")}`;
    default:
      return "";
  }
}

export async function showReach(
  map: maplibregl.Map,
  lngLat: maplibregl.LngLat,
  minutes: number,
  kind?: string,
): Promise<ReachResult> {
  const q = new URLSearchParams({ lon: lngLat.lng.toFixed(6), lat: lngLat.lat.toFixed(6), minutes: String(minutes) });
  if (kind) q.set("kind", kind);
  const time = timeParams();
  const res = await fetch(`/api/reach?${q}${time ? `&${time}` : ""}`);
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error ?? res.statusText);
  const fc = (await res.json()) as GeoJSON.FeatureCollection;
  const iso = fc.features.find((f) => f.properties?.type === "isochrone");
  const facilities = fc.features.filter((f) => f.properties?.type === "facility");
  const src = map.getSource("reach") as maplibregl.GeoJSONSource | undefined;
  // The nearest facility listed is marked on the map too.
  const nearest = facilities[0] ? pointOf(facilities[0].geometry) : null;
  const data: GeoJSON.FeatureCollection = {
    type: "FeatureCollection",
    features: [
      ...(iso ? [iso] : []),
      { type: "Feature", geometry: { type: "Point", coordinates: [lngLat.lng, lngLat.lat] }, properties: { type: "origin" } },
      ...(nearest ? [{ type: "Feature" as const, geometry: { type: "Point" as const, coordinates: nearest }, properties: { type: "nearest" } }] : []),
    ],
  };
  if (src) src.setData(data);
  else {
    map.addSource("reach", { type: "geojson", data });
    map.addLayer({ id: "reach-fill", type: "fill", source: "reach", filter: ["==", ["get", "type"], "isochrone"], paint: { "fill-color": "#1864ab", "fill-opacity": 0.15 } });
    map.addLayer({ id: "reach-line", type: "line", source: "reach", filter: ["==", ["get", "type"], "isochrone"], paint: { "line-color": "#1864ab", "line-width": 2 } });
    map.addLayer({ id: "reach-origin", type: "circle", source: "reach", filter: ["==", ["get", "type"], "origin"], paint: { "circle-radius": 6, "circle-color": "#1864ab", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
    map.addLayer({ id: "reach-nearest", type: "circle", source: "reach", filter: ["==", ["get", "type"], "nearest"], paint: { "circle-radius": 11, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#111111", "circle-stroke-width": 3 } });
  }
  return { iso, facilities };
}

export function kindName(kind: string): string {
  return t(`kind_${kind}` as Key);
}

export { el };

/** A point to mark a geometry by: a point itself, else the mean of its first ring's or line's vertices. */
export function pointOf(g: GeoJSON.Geometry): [number, number] | null {
  const first = (c: unknown): number[][] | null => {
    if (!Array.isArray(c) || c.length === 0) return null;
    if (typeof c[0] === "number") return [c as number[]];
    if (typeof (c[0] as unknown[])[0] === "number") return c as number[][];
    return first(c[0]);
  };
  const pts = g.type === "GeometryCollection" ? null : first((g as { coordinates: unknown }).coordinates);
  if (!pts) return null;
  const n = pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1] ? pts.length - 1 : pts.length;
  let x = 0;
  let y = 0;
  for (let i = 0; i < n; i += 1) {
    x += pts[i][0];
    y += pts[i][1];
  }
  return [x / n, y / n];
}

/** A place's name for a visitor: its own, else its kind and the nearest street ("Spielplatz bei Auring"), else "unnamed". */
export function placeName(p: { name?: unknown; kind?: unknown; street?: unknown }): string {
  if (typeof p.name === "string" && p.name) return p.name;
  if (typeof p.street === "string" && p.street) return t("nearStreet", { kind: kindName(String(p.kind)), street: p.street });
  return t("unnamed");
}

/** The id of the hatch image gap areas are filled with (so they never rely on colour alone). */
export const GAP_HATCH = "gap-hatch";

/** Adds the hatch image: diagonal lines in the gap colour of the style, drawn on a canvas at run time. */
export function addGapHatch(map: maplibregl.Map): void {
  if (map.hasImage(GAP_HATCH)) return;
  const size = 12;
  const c = document.createElement("canvas");
  c.width = c.height = size;
  const ctx = c.getContext("2d");
  if (!ctx) return;
  ctx.strokeStyle = legend.gap || "#c92a2a";
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let o = -size; o <= size; o += 6) {
    ctx.moveTo(o, size);
    ctx.lineTo(o + size, 0);
  }
  ctx.stroke();
  map.addImage(GAP_HATCH, ctx.getImageData(0, 0, size, size), { pixelRatio: 1 });
}

/**
 * Lays a hatched copy (`gaps-hatch`: same source, filter and visibility) right over the style's
 * gap layer (`spielraum:layers.gaps`), for the embed and the static page: gap areas then differ
 * from low shares by pattern, not colour alone. The style itself stays as the server wrote it.
 */
export function hatchGapLayer(map: maplibregl.Map): void {
  const id = layerId("gaps");
  const gap = map.getLayer(id) as (maplibregl.FillLayerSpecification & { source: string; sourceLayer?: string }) | undefined;
  if (!gap) return;
  addGapHatch(map);
  const visibility = (map.getLayoutProperty(id, "visibility") as "visible" | "none" | undefined) ?? "visible";
  if (map.getLayer("gaps-hatch")) {
    map.setLayoutProperty("gaps-hatch", "visibility", visibility);
    return;
  }
  const order = map.getStyle().layers.map((l) => l.id);
  const above = order[order.indexOf(id) + 1];
  const filter = map.getFilter(id);
  map.addLayer(
    {
      id: "gaps-hatch",
      type: "fill",
      source: gap.source,
      "source-layer": gap.sourceLayer ?? "gaps",
      ...(filter ? { filter } : {}),
      layout: { visibility },
      paint: { "fill-pattern": GAP_HATCH },
    } as maplibregl.FillLayerSpecification,
    above,
  );
}

/** Whether the visitor asked for less motion (`prefers-reduced-motion: reduce`). */
export const reducedMotion = (): boolean => typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;

/** An animation's length: `ms`, or 0 (the map jumps) when the visitor asked for less motion. */
export const motion = (ms: number): number => (reducedMotion() ? 0 : ms);

/**
 * Says `text` through the live region `id` (`role="status"`, `aria-live="polite"`): emptied
 * first and filled a moment later, so that a screen reader says the same sentence again.
 */
export function announce(id: string, text: string): void {
  const region = document.getElementById(id);
  if (!region) return;
  region.textContent = "";
  setTimeout(() => (region.textContent = text), 80);
}

/**
 * "Am nächsten: Lindenpark (Spielplatz), 420 m zu Fuß"; a place without a name is named by its
 * kind and street already ("Am nächsten: Spielplatz bei Auring, 413 m zu Fuß"). `m` is formatted.
 */
export function nearestSentence(p: { name?: unknown; kind?: unknown; street?: unknown }, m: string): string {
  return typeof p.name === "string" && p.name
    ? t("nearestSaid", { name: p.name, kind: kindName(String(p.kind)), m })
    : t("nearestSaidUnnamed", { name: placeName(p), m });
}

/** What a reach answer means in one sentence: "Am nächsten: Lindenpark (Spielplatz), 420 m zu Fuß". */
export function reachSentence(r: ReachResult, minutes: number): string {
  const nearest = [...r.facilities].sort((a, b) => Number(a.properties?.distance_m) - Number(b.properties?.distance_m))[0]?.properties;
  if (!nearest) return t("reachNone", { m: minutes });
  const m = Math.round(Number(nearest.distance_m)).toLocaleString(lang() === "de" ? "de-DE" : "en-GB");
  return `${nearestSentence(nearest, m)}. ${t("reachSaid", { n: r.facilities.length, minutes })}`;
}

export function reachList(list: HTMLElement, r: ReachResult, minutes: number): void {
  list.replaceChildren();
  if (r.facilities.length === 0) {
    list.append(el("li", { class: "muted" }, t("reachNone", { m: minutes })));
    return;
  }
  for (const f of r.facilities.slice(0, 30)) {
    const p = f.properties ?? {};
    const li = el("li");
    const dot = el("span", { class: "dot", style: `background:${kindColour(p.kind)}` });
    li.append(dot, el("span", { class: "name" }, p.name ? `${p.name} · ${kindName(p.kind)}` : placeName(p)), el("span", { class: "dist" }, `${Math.round(p.distance_m).toLocaleString(lang() === "de" ? "de-DE" : "en-GB")} ${t("metres")}`));
    list.append(li);
  }
}
