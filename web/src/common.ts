// Shared by the planner map and the embed: map creation, place labels, reach queries, colours.
import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import { el } from "./dom";
import { lang, t, type Key } from "./i18n";

export const KINDS = ["playground", "kindergarten", "school", "open_space"] as const;
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
  /** The letter inside each kind's map symbol (P Spielplatz, K Kita, S Schule, F Freifläche). */
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
export async function showReach(
  map: maplibregl.Map,
  lngLat: maplibregl.LngLat,
  minutes: number,
  kind?: string,
): Promise<ReachResult> {
  const q = new URLSearchParams({ lon: lngLat.lng.toFixed(6), lat: lngLat.lat.toFixed(6), minutes: String(minutes) });
  if (kind) q.set("kind", kind);
  const res = await fetch(`/api/reach?${q}`);
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error ?? res.statusText);
  const fc = (await res.json()) as GeoJSON.FeatureCollection;
  const iso = fc.features.find((f) => f.properties?.type === "isochrone");
  const facilities = fc.features.filter((f) => f.properties?.type === "facility");
  const src = map.getSource("reach") as maplibregl.GeoJSONSource | undefined;
  const data: GeoJSON.FeatureCollection = {
    type: "FeatureCollection",
    features: [...(iso ? [iso] : []), { type: "Feature", geometry: { type: "Point", coordinates: [lngLat.lng, lngLat.lat] }, properties: { type: "origin" } }],
  };
  if (src) src.setData(data);
  else {
    map.addSource("reach", { type: "geojson", data });
    map.addLayer({ id: "reach-fill", type: "fill", source: "reach", filter: ["==", ["get", "type"], "isochrone"], paint: { "fill-color": "#1864ab", "fill-opacity": 0.15 } });
    map.addLayer({ id: "reach-line", type: "line", source: "reach", filter: ["==", ["get", "type"], "isochrone"], paint: { "line-color": "#1864ab", "line-width": 2 } });
    map.addLayer({ id: "reach-origin", type: "circle", source: "reach", filter: ["==", ["get", "type"], "origin"], paint: { "circle-radius": 6, "circle-color": "#1864ab", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  }
  return { iso, facilities };
}

export function kindName(kind: string): string {
  return t(`kind_${kind}` as Key);
}

export { el };

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
    li.append(dot, el("span", { class: "name" }, `${p.name ?? t("unnamed")} · ${kindName(p.kind)}`), el("span", { class: "dist" }, `${Math.round(p.distance_m).toLocaleString(lang() === "de" ? "de-DE" : "en-GB")} ${t("metres")}`));
    list.append(li);
  }
}
