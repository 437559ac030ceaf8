// Shared by the embed (served) and the static page (exported): the query parameters that pick
// the layer, the facility kind and the area shown (layer, kind, bbox, neighbourhood); gap areas
// hatched.
import type maplibregl from "maplibre-gl";
import { hatchGapLayer, layerId } from "./common";

export const params = new URLSearchParams(location.search);
export const kind = params.get("kind") ?? "playground";
export const layer = params.get("layer") ?? "facilities";

/** The lon/lat box of some features: [minLon, minLat, maxLon, maxLat], or undefined when empty. */
export function featuresBounds(features: GeoJSON.Feature[]): [number, number, number, number] | undefined {
  const pts = features.flatMap((f) => JSON.stringify(f.geometry).match(/-?\d+(\.\d+)?,-?\d+(\.\d+)?/g) ?? []);
  const xy = pts.map((p) => p.split(",").map(Number));
  if (xy.length === 0) return undefined;
  const xs = xy.map((p) => p[0]);
  const ys = xy.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/**
 * Applies the parameters once the map has loaded: layer visibility, the kind filter, and the
 * area (`bbox`, else `neighbourhood` by id or name, looked up in `neighbourhoods()`; a
 * neighbourhood may come as several pieces, e.g. clipped by tiles).
 */
export async function applyEmbedParams(map: maplibregl.Map, neighbourhoods: () => Promise<GeoJSON.Feature[]>): Promise<void> {
  const show = (ids: string[], on: boolean) => ids.forEach((id) => map.getLayer(id) && map.setLayoutProperty(id, "visibility", on ? "visible" : "none"));
  show([layerId("neighbourhoods")], layer === "neighbourhoods");
  show([layerId("gaps")], layer === "gaps" || layer === "neighbourhoods");
  hatchGapLayer(map);
  if (kind) {
    map.setFilter(layerId("facility_points"), ["==", ["get", "kind"], kind]);
    map.setFilter(layerId("facility_areas"), ["all", ["==", ["geometry-type"], "Polygon"], ["==", ["get", "kind"], kind]] as never);
  }
  const bbox = params.get("bbox")?.split(",").map(Number);
  if (bbox && bbox.length === 4 && bbox.every(Number.isFinite)) {
    map.fitBounds([bbox[0], bbox[1], bbox[2], bbox[3]], { padding: 10, duration: 0 });
  } else if (params.get("neighbourhood")) {
    const want = params.get("neighbourhood")!.toLowerCase();
    const pieces = (await neighbourhoods()).filter((f) => String(f.properties?.id).toLowerCase() === want || String(f.properties?.name).toLowerCase() === want);
    const b = featuresBounds(pieces);
    if (b) map.fitBounds(b, { padding: 10, duration: 0 });
  }
}
