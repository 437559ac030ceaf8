// The embed: a light map for an <iframe> ("Where is the nearest playground?"), with the layer,
// facility kind and area chosen by query parameters (layer, kind, bbox, neighbourhood, lang).
import "./style.css";
import { createMap, reachList, showReach } from "./common";
import { applyEmbedParams, kind } from "./embed-view";
import { initialLang, setLang, t } from "./i18n";

setLang(initialLang());
const map = createMap();
document.getElementById("embed-title")!.textContent = t("embedTitle");
document.getElementById("embed-hint")!.textContent = t("embedHint");

map.on("load", () =>
  applyEmbedParams(map, async () => ((await fetch("/api/neighbourhoods").then((r) => r.json())) as GeoJSON.FeatureCollection).features),
);
map.on("click", async (e) => {
  const list = document.getElementById("embed-list")!;
  try {
    reachList(list, await showReach(map, e.lngLat, 10, kind || undefined), 10);
  } catch {
    list.textContent = t("reachError");
  }
});
