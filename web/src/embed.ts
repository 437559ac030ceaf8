// The embed: a light map for an <iframe> ("Where is the nearest playground?"), with the layer,
// facility kind and area chosen by query parameters (layer, kind, bbox, neighbourhood, lang).
import "./style.css";
import { announce, createMap, reachList, reachSentence, showReach } from "./common";
import { applyEmbedParams, kind } from "./embed-view";
import { initialLang, lang, setLang, t } from "./i18n";

setLang(initialLang());
const map = createMap();
document.getElementById("embed-title")!.textContent = t("embedTitle");
document.getElementById("embed-hint")!.textContent = t("embedHint");
// "Table instead of map" opens the table page in the frame; its "Map instead of table" comes back here.
(document.getElementById("table-link") as HTMLAnchorElement).href = `/table?${new URLSearchParams({ lang: lang(), back: location.pathname + location.search })}`;

map.on("load", () =>
  applyEmbedParams(map, async () => ((await fetch("/api/neighbourhoods").then((r) => r.json())) as GeoJSON.FeatureCollection).features),
);
map.on("click", async (e) => {
  const list = document.getElementById("embed-list")!;
  try {
    const r = await showReach(map, e.lngLat, 10, kind || undefined);
    reachList(list, r, 10);
    announce("embed-said", reachSentence(r, 10));
  } catch {
    list.textContent = t("reachError");
    announce("embed-said", t("reachError"));
  }
});
