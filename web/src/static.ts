// The page of the static export (`spielraum export`): the embed's map with everything read from
// files beside it — tiles from tiles.pmtiles (PMTiles protocol), style.json, indicators.json,
// facilities.geojson — so it works on any static host and asks no other host for anything.
import "./style.css";
import maplibregl from "maplibre-gl";
import { Protocol } from "pmtiles";
import { BANDS, announce, createMap, el, kindColour, kindName, layerId, nearestSentence, placeName } from "./common";
import { applyEmbedParams, kind, layer } from "./embed-view";
import { initialLang, lang, setLang, t, type Key } from "./i18n";
import { chunkName, metres, WalkData } from "./walk";

/** Marks the tapped point and the facility named for it. */
function highlight(map: maplibregl.Map, at: [number, number], facility: [number, number] | null): void {
  const data: GeoJSON.FeatureCollection = {
    type: "FeatureCollection",
    features: [
      { type: "Feature", geometry: { type: "Point", coordinates: at }, properties: { type: "origin" } },
      ...(facility ? [{ type: "Feature" as const, geometry: { type: "Point" as const, coordinates: facility }, properties: { type: "nearest" } }] : []),
    ],
  };
  const src = map.getSource("nearest") as maplibregl.GeoJSONSource | undefined;
  if (src) {
    src.setData(data);
    return;
  }
  map.addSource("nearest", { type: "geojson", data });
  map.addLayer({
    id: "nearest-ring",
    type: "circle",
    source: "nearest",
    paint: {
      "circle-radius": ["match", ["get", "type"], "nearest", 11, 6],
      "circle-color": ["match", ["get", "type"], "nearest", "rgba(0,0,0,0)", "#1864ab"],
      "circle-stroke-color": ["match", ["get", "type"], "nearest", "#111111", "#ffffff"],
      "circle-stroke-width": 3,
    },
  });
}

/** A file of the bundle, relative to the page (the bundle may live under any path). */
const here = (file: string) => new URL(file, location.href).href;

interface Indicators {
  neighbourhoods?: { id: string; name: string; served_share?: Record<string, number | null> }[];
}

async function main(): Promise<void> {
  setLang(initialLang());
  document.getElementById("embed-title")!.textContent = t("embedTitle");
  document.getElementById("embed-hint")!.textContent = t("staticHint");
  const statement = document.getElementById("link-statement") as HTMLAnchorElement;
  statement.textContent = t("accessibilityStatement");
  statement.href = lang() === "de" ? "barrierefreiheit.html" : "accessibility.html";
  // "Table instead of map": the exported table page (table.html) and back to this view.
  (document.getElementById("table-link") as HTMLAnchorElement).href = `table.html?${new URLSearchParams({ lang: lang(), back: `index.html${location.search}` })}`;
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

  const bytes = (file: string) => fetch(here(file)).then((r) => (r.ok ? r.arrayBuffer() : null));
  const walk = await WalkData.load(json, bytes);

  map.on("click", async (e) => {
    const at: [number, number] = [e.lngLat.lng, e.lngLat.lat];
    const list = document.getElementById("embed-list")!;
    list.replaceChildren();
    const local = (m: number) => Math.round(m).toLocaleString(lang() === "de" ? "de-DE" : "en-GB");
    // What the live region says about the tap (then the coverage).
    let said = "";
    if (walk) {
      // On foot, as the live map answers (walk.ts).
      const hit = await walk.nearest(at, kind).catch(() => null);
      const f = hit ? walk.index.facilities[hit.facility] : undefined;
      const li = el("li");
      if (hit && f) {
        const name = placeName(f);
        li.append(
          el("span", { class: "dot", style: `background:${kindColour(f.kind)}` }),
          el("span", { class: "name" }, f.name ? `${name} · ${kindName(f.kind)}` : name),
          el("span", { class: "dist" }, `${local(hit.distance_m)} ${t("metres")} ${t("onFoot")}`),
        );
        said = nearestSentence(f, local(hit.distance_m));
      } else {
        const inIndex = walk.index.chunk.files.includes(chunkName(walk.index, at));
        li.className = "muted";
        li.textContent = hit === null && inIndex ? t("noneOfKindOrPath", { m: walk.index.margin_m }) : t("noPathNear", { m: walk.index.margin_m });
        said = li.textContent;
      }
      list.append(li);
      highlight(map, at, f?.at ?? null);
    } else {
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
      const first = nearest[0];
      if (first) said = t("nearestSaidCrow", { name: String(first.f.properties?.name ?? t("unnamed")), kind: kindName(String(first.f.properties?.kind)), m: local(first.d) });
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
    announce("embed-said", [said, n ? cov.textContent : ""].filter(Boolean).join(". "));
  });
}

main().catch((e) => {
  document.getElementById("embed-hint")!.textContent = String(e);
  throw e;
});
