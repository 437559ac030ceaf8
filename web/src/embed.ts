// The embed: a light map for an <iframe> ("Where is the nearest playground?"), with the layer,
// facility kind and area chosen by query parameters (layer, kind, bbox, neighbourhood, lang).
import "./style.css";
import { createMap, reachList, showReach } from "./common";
import { initialLang, setLang, t } from "./i18n";

const q = new URLSearchParams(location.search);
setLang(initialLang());
const kind = q.get("kind") ?? "playground";
const layer = q.get("layer") ?? "facilities";
const map = createMap();
document.getElementById("embed-title")!.textContent = t("embedTitle");
document.getElementById("embed-hint")!.textContent = t("embedHint");

map.on("load", async () => {
  const show = (ids: string[], on: boolean) => ids.forEach((id) => map.getLayer(id) && map.setLayoutProperty(id, "visibility", on ? "visible" : "none"));
  show(["neighbourhoods-fill"], layer === "neighbourhoods");
  show(["gaps"], layer === "gaps" || layer === "neighbourhoods");
  if (kind) {
    map.setFilter("facilities-point", ["==", ["get", "kind"], kind]);
    map.setFilter("facilities-area", ["all", ["==", ["geometry-type"], "Polygon"], ["==", ["get", "kind"], kind]] as never);
  }
  const bbox = q.get("bbox")?.split(",").map(Number);
  if (bbox && bbox.length === 4 && bbox.every(Number.isFinite)) {
    map.fitBounds([bbox[0], bbox[1], bbox[2], bbox[3]], { padding: 10, duration: 0 });
  } else if (q.get("neighbourhood")) {
    const want = q.get("neighbourhood")!.toLowerCase();
    const fc = (await fetch("/api/neighbourhoods").then((r) => r.json())) as GeoJSON.FeatureCollection;
    const n = fc.features.find((f) => String(f.properties?.id).toLowerCase() === want || String(f.properties?.name).toLowerCase() === want);
    if (n) {
      const pts = JSON.stringify(n.geometry).match(/-?\d+\.\d+,-?\d+\.\d+/g) ?? [];
      const xy = pts.map((p) => p.split(",").map(Number));
      const xs = xy.map((p) => p[0]);
      const ys = xy.map((p) => p[1]);
      if (xs.length) map.fitBounds([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], { padding: 10, duration: 0 });
    }
  }
});
map.on("click", async (e) => {
  const list = document.getElementById("embed-list")!;
  try {
    reachList(list, await showReach(map, e.lngLat, 10, kind || undefined), 10);
  } catch {
    list.textContent = t("reachError");
  }
});
