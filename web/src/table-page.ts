// The table alternative to the map (`/table` on the server, `table.html` in the static export):
// every neighbourhood's indicators for every age band in one sortable data table (caption,
// column and row headers, `aria-sort`, sort buttons), a CSV download, and a link back to the map.
// The served page reads `/api/neighbourhoods`; the exported one reads `indicators.json` beside
// it (the page's `data-source` attribute says which). Both carry the same nested figures.
import "./style.css";
import { el } from "./dom";
import { dec, int, pct } from "./format";
import { initialLang, lang, setLang, t, type Key } from "./i18n";

const BANDS = ["age_0_5", "age_6_11", "age_12_17"] as const;
type Band = (typeof BANDS)[number];
type ByBand = Partial<Record<Band, number | null>>;

/** One neighbourhood's figures, as both `/api/neighbourhoods` and `indicators.json` nest them. */
interface Row {
  id: string;
  name: string;
  population?: Partial<Record<Band | "total", number | null>>;
  served_share?: ByBand;
  gap_children?: ByBand;
  play_area_m2_per_child?: number | null;
  need_rank?: number | null;
}

/** A column: its key, header, the value it sorts by, and how it shows. */
interface Col {
  key: string;
  label: () => string;
  band?: Band;
  value: (r: Row) => number | string | null;
  show: (v: number | string | null) => string;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

const COLS: Col[] = [
  { key: "name", label: () => t("neighbourhood"), value: (r) => r.name, show: (v) => String(v ?? "") },
  { key: "population_total", label: () => t("colResidents"), value: (r) => num(r.population?.total), show: int },
  ...BANDS.flatMap((b): Col[] => [
    { key: `${b}`, band: b, label: () => t("colChildren"), value: (r) => num(r.population?.[b]), show: int },
    { key: `served_share_${b}`, band: b, label: () => t("colShare"), value: (r) => num(r.served_share?.[b]), show: (v) => pct(v) },
    { key: `gap_children_${b}`, band: b, label: () => t("colGap"), value: (r) => num(r.gap_children?.[b]), show: int },
  ]),
  { key: "play_area_m2_per_child", label: () => t("colPlayArea"), value: (r) => num(r.play_area_m2_per_child), show: (v) => dec(v) },
  { key: "need_rank", label: () => t("colRank"), value: (r) => num(r.need_rank), show: int },
];

const isStatic = document.body.dataset.source === "static";
const params = new URLSearchParams(location.search);
let rows: Row[] = [];
let sortKey = "need_rank";
let sortAsc = true;

const $ = (id: string) => document.getElementById(id) as HTMLElement;

/** Where "Map instead of table" leads: `?back=` (a path of this site), else the map page. */
function backHref(): string {
  const back = params.get("back");
  // A path of this server only: not "//host" nor "/\host" (browsers read both as another host).
  if (back && /^\/(?![/\\])/.test(back) && !back.includes("\\") && !isStatic) return back;
  if (back && /^[\w.-]+\.html(\?[^#]*)?$/.test(back) && isStatic) return back;
  return isStatic ? `index.html?lang=${lang()}` : "/";
}

/** Reads the figures: `/api/neighbourhoods` (served) or `indicators.json` (export). */
async function load(): Promise<Row[]> {
  if (isStatic) {
    const r = await fetch(new URL("indicators.json", location.href));
    if (!r.ok) throw new Error(`indicators.json: ${r.status}`);
    return ((await r.json()) as { neighbourhoods?: Row[] }).neighbourhoods ?? [];
  }
  const r = await fetch("/api/neighbourhoods");
  if (!r.ok) throw new Error(`/api/neighbourhoods: ${r.status}`);
  const fc = (await r.json()) as GeoJSON.FeatureCollection;
  return fc.features.map((f) => ({ ...(f.properties as Row), id: String(f.properties?.id), name: String(f.properties?.name ?? "") }));
}

function sorted(): Row[] {
  const col = COLS.find((c) => c.key === sortKey) ?? COLS[0]!;
  return [...rows].sort((x, y) => {
    const a = col.value(x);
    const b = col.value(y);
    if (a === null && b === null) return 0;
    if (a === null) return 1; // no figure: always last
    if (b === null) return -1;
    const d = typeof a === "string" ? a.localeCompare(String(b), lang()) : a - (b as number);
    return sortAsc ? d : -d;
  });
}

/** Draws the table in the language and order chosen; `focusKey` gets the focus back after a sort. */
function render(focusKey?: string): void {
  document.title = `Spielraum – ${t("tablePageTitle")}`;
  $("table-title").textContent = t("tablePageTitle");
  $("table-intro").textContent = t("tablePageIntro");
  const back = $("back-link") as HTMLAnchorElement;
  back.href = backHref();
  back.textContent = t("mapInstead");
  const csv = $("csv-link") as HTMLAnchorElement;
  csv.href = isStatic ? "neighbourhoods.csv" : `/api/neighbourhoods.csv${lang() === "de" ? "?lang=de" : ""}`;
  csv.textContent = t("csvDownload");
  document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang())));

  const table = $("indicator-table") as HTMLTableElement;
  const col = COLS.find((c) => c.key === sortKey)!;
  const colName = col.band ? `${col.label()} ${t("bandYears", { band: t(`band_${col.band}` as Key) })}` : col.label();
  // The caption names the table for screen readers; the same words stand above the table for
  // the eye, where a narrow screen does not scroll them sideways with the table.
  const sortedText = ` – ${t("sortedBy", { col: colName, dir: t(sortAsc ? "ascending" : "descending") })}`;
  const caption = el("caption", { class: "visually-hidden" }, `${t("tableCaption")}${sortedText}`);
  const shown = $("table-caption");
  shown.replaceChildren(t("tableCaption"), el("span", { class: "sorted" }, sortedText));

  // Two header rows: the age band over its three columns, then the columns with sort buttons.
  const groups = el("tr");
  groups.append(el("td", { colspan: "2", class: "corner" }));
  for (const b of BANDS) groups.append(el("th", { scope: "colgroup", colspan: "3", class: "band" }, t("bandYears", { band: t(`band_${b}` as Key) })));
  groups.append(el("td", { colspan: "2", class: "corner" }));
  const heads = el("tr");
  for (const c of COLS) {
    const th = el("th", { scope: "col", "data-col": c.key });
    th.setAttribute("aria-sort", c.key === sortKey ? (sortAsc ? "ascending" : "descending") : "none");
    const btn = el("button", { type: "button", "data-col": c.key });
    btn.append(el("span", {}, c.label()));
    if (c.band) btn.append(el("span", { class: "visually-hidden" }, ` ${t("bandYears", { band: t(`band_${c.band}` as Key) })}`));
    btn.append(el("span", { class: "arrow", "aria-hidden": "true" }, c.key === sortKey ? (sortAsc ? " ▲" : " ▼") : ""));
    btn.addEventListener("click", () => {
      if (sortKey === c.key) sortAsc = !sortAsc;
      else {
        sortKey = c.key;
        // Names A–Z and rank 1 first; other figures largest first.
        sortAsc = c.key === "name" || c.key === "need_rank";
      }
      render(c.key);
    });
    th.append(btn);
    heads.append(th);
  }
  const thead = el("thead");
  thead.append(groups, heads);
  const tbody = el("tbody");
  for (const r of sorted()) {
    const tr = el("tr", { "data-id": r.id });
    for (const c of COLS) {
      const v = c.value(r);
      const cell = c.key === "name" ? el("th", { scope: "row" }) : el("td", { "data-col": c.key, "data-value": v === null ? "" : String(v) });
      cell.textContent = c.show(v);
      tr.append(cell);
    }
    tbody.append(tr);
  }
  table.replaceChildren(caption, thead, tbody);
  $("table-status").textContent = t("tableRows", { n: int(rows.length) });
  if (focusKey) (table.querySelector(`thead button[data-col="${focusKey}"]`) as HTMLElement | null)?.focus();
}

async function main(): Promise<void> {
  setLang(initialLang());
  document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) =>
    b.addEventListener("click", () => {
      setLang(b.dataset.lang as "de" | "en");
      render();
    }),
  );
  $("table-status").textContent = t("tableLoading");
  try {
    rows = await load();
  } catch (e) {
    $("table-status").textContent = `${t("tableError")} (${String(e)})`;
    return;
  }
  render();
  document.body.dataset.ready = "1";
}

void main();
