// The page of the static export (`spielraum export`): the embed's map with everything read from
// files beside it — tiles from tiles.pmtiles (PMTiles protocol), style.json, indicators.json,
// facilities.geojson — so it works on any static host and asks no other host for anything.
import "./style.css";
import maplibregl from "maplibre-gl";
import { Protocol } from "pmtiles";
import { BANDS, createMap, el, kindColour, kindName, layerId } from "./common";
import { applyEmbedParams, kind, layer } from "./embed-view";
import { initialLang, setLang, t, type Key } from "./i18n";

/** A file of the bundle, relative to the page (the bundle may live under any path). */
const here = (file: string) => new URL(file, location.href).href;

/** Straight-line distance in metres (haversine, mean Earth radius). */
function metres(a: [number, number], b: [number, number]): number {
  const r = Math.PI / 180;
  const dLat = (b[1] - a[1]) * r;
  const dLon = (b[0] - a[0]) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

interface Indicators {
  neighbourhoods?: { id: string; name: string; served_share?: Record<string, number | null> }[];
}

async function main(): Promise<void> {
  setLang(initialLang());
  document.getElementById("embed-title")!.textContent = t("embedTitle");
  document.getElementById("embed-hint")!.textContent = t("staticHint");
  maplibregl.addProtocol("pmtiles", new Protocol().tile);
  const json = (file: string) => fetch(here(file)).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${file}: ${r.status}`))));
  const style = (await json("style.json")) as maplibregl.StyleSpecification;
  // style.json names the archive relative to the page; the protocol fetches it from there.
  const source = style.sources.spielraum as maplibregl.VectorSourceSpecification;
  source.url = `pmtiles://${here(String(source.url ?? "pmtiles://tiles.pmtiles").replace(/^pmtiles:\/\//, ""))}`;
  // The label glyphs lie beside the page too (fonts/…); the placeholders must stay unescaped.
  if (style.glyphs && !/^[a-z]+:/.test(style.glyphs)) style.glyphs = here(".") + style.glyphs;
  const map = createMap({ style });
  const [indicators, facilities] = await Promise.all([
    json("indicators.json").catch(() => ({})) as Promise<Indicators>,
    json("facilities.geojson").catch(() => ({ features: [] })) as Promise<GeoJSON.FeatureCollection>,
  ]);

  const onLoad = () => {
    void applyEmbedParams(map, async () =>
      map.querySourceFeatures("spielraum", { sourceLayer: "neighbourhoods" }).map((f) => ({ type: "Feature", geometry: f.geometry, properties: f.properties })),
    );
    // Below the archive's lowest zoom there is nothing to draw.
    const src = map.getSource("spielraum") as maplibregl.VectorTileSource | undefined;
    if (src?.minzoom) map.setMinZoom(src.minzoom);
    // Neighbourhoods stay queryable on a tap even when not coloured.
    if (layer !== "neighbourhoods" && map.getLayer(layerId("neighbourhoods"))) {
      map.setLayoutProperty(layerId("neighbourhoods"), "visibility", "visible");
      map.setPaintProperty(layerId("neighbourhoods"), "fill-opacity", 0);
    }
  };
  if (map.loaded()) onLoad();
  else map.once("load", onLoad);

  map.on("click", (e) => {
    const at: [number, number] = [e.lngLat.lng, e.lngLat.lat];
    const list = document.getElementById("embed-list")!;
    list.replaceChildren();
    const nearest = facilities.features
      .filter((f) => !kind || f.properties?.kind === kind)
      .map((f) => ({ f, d: metres(at, (f.geometry as GeoJSON.Point).coordinates as [number, number]) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 5);
    for (const { f, d } of nearest) {
      const p = f.properties ?? {};
      const li = el("li");
      li.append(
        el("span", { class: "dot", style: `background:${kindColour(p.kind)}` }),
        el("span", { class: "name" }, `${p.name ?? t("unnamed")} · ${kindName(p.kind)}`),
        el("span", { class: "dist" }, `${Math.round(d)} ${t("metres")} ${t("crowFlies")}`),
      );
      list.append(li);
    }
    const cov = document.getElementById("static-coverage")!;
    const hit = map.queryRenderedFeatures(e.point, { layers: [layerId("neighbourhoods")] })[0];
    const n = indicators.neighbourhoods?.find((x) => x.id === hit?.properties?.id);
    cov.hidden = !n;
    if (n) {
      const shares = BANDS.map((b) => {
        const s = n.served_share?.[b];
        return `${t(`band_${b}` as Key)} ${t("years")}: ${typeof s === "number" ? `${Math.round(s * 100)} %` : "–"}`;
      });
      cov.textContent = `${t("coverageOf", { name: n.name })} — ${shares.join(", ")}`;
    }
  });
}

main().catch((e) => {
  document.getElementById("embed-hint")!.textContent = String(e);
  throw e;
});
