// The drawer under the planner map: the neighbourhood table (sortable by share, children,
// children without a play place and need rank for the band shown; filter; row ↔ map
// selection), the list of facilities (keyboard access to every facility) and the downloads of
// the table (German Excel CSV, machine CSV, XLSX, PDF report).
import { type Band, el, kindColour, kindName, legend } from "./common";
import { int, pct } from "./format";
import { lang, strings, t, type Key } from "./i18n";

type Props = Record<string, unknown>;
type Col = "name" | "children" | "share" | "gap" | "rank" | "driver";

export interface TableHost {
  band: () => Band;
  neighbourhoods: () => GeoJSON.FeatureCollection;
  facilities: () => GeoJSON.FeatureCollection;
  /** A row was chosen (click, Enter): select it on the map and fly there. */
  chooseNeighbourhood: (id: string) => void;
  /** A facility of the list was chosen. */
  chooseFacility: (f: GeoJSON.Feature, opener: HTMLElement) => void;
  /** The gap areas (asked once, when their tab opens), or null when the server gives none. */
  loadGaps: () => Promise<GeoJSON.FeatureCollection | null>;
  /** A gap area of the list was chosen. */
  chooseGap: (f: GeoJSON.Feature) => void;
}

let host: TableHost;
let sortCol: Col = "rank";
let sortAsc = true;
let selected: string | null = null;
/** The gap areas once loaded (undefined: not asked yet; null: the server gives none). */
let gaps: GeoJSON.FeatureCollection | null | undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The value a column sorts and shows for a neighbourhood in the band shown. */
function value(p: Props, col: Col, b: Band): number | string | null {
  const n = (k: string) => (typeof p[k] === "number" ? (p[k] as number) : null);
  switch (col) {
    case "name":
      return String(p.name ?? "");
    case "children":
      return n(b);
    case "share":
      return n(`served_share_${b}`);
    case "gap":
      return n(`gap_children_${b}`);
    case "rank":
      return n("need_rank");
    case "driver":
      return driverLabel(p);
  }
}

/** The need's main driver in words: the server's label, else ours for the fixed parts; null without. */
export function driverLabel(p: Props): string | null {
  const key = p.need_driver;
  if (typeof key !== "string") return null;
  const given = (p.need_driver_label as Record<string, unknown> | undefined)?.[lang()];
  if (typeof given === "string") return given;
  const own = `driver_${key}`;
  return own in strings.de ? t(own as Key) : key;
}

const shareColour = (v: number) => legend.shareStops.reduce((c, [s, col]) => (v >= s ? col : c), legend.shareStops[0]?.[1] ?? legend.noData);

function header(): void {
  const b = host.band();
  const band = t(`band_${b}` as Key);
  const cols: [Col, string][] = [
    ["name", t("neighbourhood")],
    ["children", `${t("colChildren")} ${band}`],
    ["share", `${t("colShare")} ${band}`],
    ["gap", `${t("colGap")} ${band}`],
    ["rank", t("colRank")],
    ["driver", t("colDriver")],
  ];
  const tr = el("tr");
  for (const [col, label] of cols) {
    const th = el("th", { scope: "col", "data-col": col });
    th.setAttribute("aria-sort", sortCol === col ? (sortAsc ? "ascending" : "descending") : "none");
    const btn = el("button", { type: "button", title: t("sortBy", { col: label }) });
    btn.append(el("span", {}, label), el("span", { class: "arrow", "aria-hidden": "true" }, sortCol === col ? (sortAsc ? " ▲" : " ▼") : ""));
    btn.addEventListener("click", () => {
      if (sortCol === col) sortAsc = !sortAsc;
      else {
        sortCol = col;
        // Names A–Z, rank 1 first; figures largest first.
        sortAsc = col === "name" || col === "rank" || col === "driver";
      }
      render();
      (document.querySelector(`#hood-table th[data-col="${col}"] button`) as HTMLElement | null)?.focus();
    });
    th.append(btn);
    tr.append(th);
  }
  $("hood-table").querySelector("thead")!.replaceChildren(tr);
}

const filterText = () => $<HTMLInputElement>("table-filter").value.trim().toLowerCase();

/** Re-draws the table and the facility list (band, language, sort, filter or data changed). */
export function render(): void {
  if (!host) return;
  const b = host.band();
  header();
  $("table-note").textContent = t("tableNote", { band: t(`band_${b}` as Key) });
  const q = filterText();
  const feats = host.neighbourhoods().features.filter((f) => String(f.properties?.name ?? "").toLowerCase().includes(q));
  const ranked = host.neighbourhoods().features.filter((f) => typeof f.properties?.need_rank === "number").length;
  feats.sort((x, y) => {
    const a = value(x.properties ?? {}, sortCol, b);
    const c = value(y.properties ?? {}, sortCol, b);
    if (a === null && c === null) return 0;
    if (a === null) return 1; // no figure: always last
    if (c === null) return -1;
    const d = typeof a === "string" ? a.localeCompare(String(c), lang()) : a - (c as number);
    return sortAsc ? d : -d;
  });
  const body = $("hood-table").querySelector("tbody")!;
  body.replaceChildren();
  for (const f of feats) {
    const p = (f.properties ?? {}) as Props;
    const id = String(p.id);
    const tr = el("tr", { tabindex: "0", "data-id": id, "aria-selected": String(id === selected) });
    const share = value(p, "share", b);
    const shareCell = el("td", { "data-col": "share", "data-value": String(share ?? "") });
    if (typeof share === "number") shareCell.append(el("span", { class: "share-dot", style: `background:${shareColour(share)}`, "aria-hidden": "true" }));
    shareCell.append(pct(share));
    const rank = value(p, "rank", b);
    tr.append(
      el("th", { scope: "row", "data-col": "name" }, String(p.name ?? "")),
      el("td", { "data-col": "children", "data-value": String(value(p, "children", b) ?? "") }, int(value(p, "children", b))),
      shareCell,
      el("td", { "data-col": "gap", "data-value": String(value(p, "gap", b) ?? "") }, int(value(p, "gap", b))),
      el("td", { "data-col": "rank", "data-value": String(rank ?? ""), title: typeof rank === "number" ? t("rankOf", { r: int(rank), n: int(ranked) }) : "" }, typeof rank === "number" ? `${int(rank)} / ${int(ranked)}` : "–"),
      el("td", { "data-col": "driver" }, driverLabel(p) ?? "–"),
    );
    const choose = () => {
      select(id);
      host.chooseNeighbourhood(id);
    };
    tr.addEventListener("click", choose);
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        choose();
      } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const next = (e.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
        next?.focus({ preventScroll: true });
        if (next) reveal(next);
      }
    });
    body.append(tr);
  }
  if (!feats.length) {
    const tr = el("tr");
    tr.append(el("td", { colspan: "6", class: "muted no-match" }, t("noMatch")));
    body.append(tr);
  }
  renderFacilities();
  renderGaps();
  links();
}

/** Children without a play place of a gap area in a band (tile properties, or `band`/`children`). */
function gapChildren(p: Props, b: Band): number {
  if (typeof p[`gap_children_${b}`] === "number") return p[`gap_children_${b}`] as number;
  if (p.band === b && typeof p.children === "number") return p.children;
  return 0;
}

function renderGaps(): void {
  const list = $("gap-list");
  const b = host.band();
  $("gap-note").textContent = gaps === null ? t("gapsUnavailable") : t("gapsNote", { band: t(`band_${b}` as Key) });
  list.replaceChildren();
  if (!gaps) return;
  const names = new Map(host.neighbourhoods().features.map((f) => [String(f.properties?.id), String(f.properties?.name ?? "")]));
  const q = filterText();
  const items = gaps.features
    .map((f) => ({ f, n: gapChildren(f.properties ?? {}, b), where: String(f.properties?.neighbourhoods ?? "").split(/[,;\s]+/).map((id) => names.get(id) ?? "").filter(Boolean).join(", ") }))
    .filter((x) => x.n > 0 && x.where.toLowerCase().includes(q))
    .sort((x, y) => y.n - x.n);
  for (const x of items) {
    const li = el("li");
    const btn = el("button", { type: "button" });
    btn.append(el("span", { class: "hatch", "aria-hidden": "true", style: `--gap:${legend.gap || "#c92a2a"}` }), el("span", {}, `${x.where || "–"}: ${t("gapItem", { n: int(x.n) })}`));
    btn.addEventListener("click", () => host.chooseGap(x.f));
    li.append(btn);
    list.append(li);
  }
}

function renderFacilities(): void {
  const q = filterText();
  const all = host.facilities().features;
  const shown = all.filter((f) => `${f.properties?.name ?? ""} ${kindName(String(f.properties?.kind))}`.toLowerCase().includes(q));
  shown.sort((a, b) => String(a.properties?.name ?? "\uffff").localeCompare(String(b.properties?.name ?? "\uffff"), lang()));
  $("facility-note").textContent = t("facilitiesShown", { n: int(shown.length), total: int(all.length) });
  const list = $("facility-list");
  list.replaceChildren();
  for (const f of shown) {
    const p = f.properties ?? {};
    const li = el("li");
    const btn = el("button", { type: "button", "data-osm": String(p.osm_id ?? "") });
    const area = typeof p.area_m2 === "number" && p.area_m2 > 0 ? ` · ${int(p.area_m2)} m²` : "";
    btn.append(el("span", { class: "dot", style: `background:${kindColour(String(p.kind))}`, "aria-hidden": "true" }), el("span", {}, `${p.name ?? t("unnamed")} · ${kindName(String(p.kind))}${area}`));
    btn.addEventListener("click", () => host.chooseFacility(f, btn));
    li.append(btn);
    list.append(li);
  }
}

/** The download links: German CSV, machine CSV, XLSX and the PDF report (of the selected neighbourhood, if any). */
function links(): void {
  const l = lang();
  $<HTMLAnchorElement>("dl-csv-de").href = "/api/neighbourhoods.csv?lang=de";
  $<HTMLAnchorElement>("dl-csv").href = "/api/neighbourhoods.csv";
  $<HTMLAnchorElement>("dl-xlsx").href = `/api/neighbourhoods.xlsx?lang=${l}`;
  const pdf = $<HTMLAnchorElement>("dl-pdf");
  const hood = selected ? host.neighbourhoods().features.find((f) => String(f.properties?.id) === selected) : undefined;
  pdf.href = `/api/report.pdf?lang=${l}${hood ? `&neighbourhood=${encodeURIComponent(String(hood.properties?.id))}` : ""}`;
  pdf.textContent = hood ? t("pdfOne", { name: String(hood.properties?.name ?? "") }) : t("pdf");
}

/** Scrolls the table pane (only it, never the page) so that `row` is visible. */
function reveal(row: HTMLElement): void {
  const pane = $("hood-pane");
  const head = ($("hood-table").querySelector("thead") as HTMLElement).offsetHeight;
  const top = row.offsetTop - head;
  if (top < pane.scrollTop) pane.scrollTop = top;
  else if (row.offsetTop + row.offsetHeight > pane.scrollTop + pane.clientHeight) pane.scrollTop = row.offsetTop + row.offsetHeight - pane.clientHeight;
}

/** Marks a neighbourhood's row as selected (from the map or the table) and shows it. */
export function select(id: string | null): void {
  selected = id;
  document.querySelectorAll<HTMLElement>("#hood-table tbody tr[data-id]").forEach((tr) => {
    tr.setAttribute("aria-selected", String(tr.dataset.id === id));
    if (tr.dataset.id === id) reveal(tr);
  });
  if (host) links();
}

const TABS = [
  ["tab-hoods", "hood-pane"],
  ["tab-facilities", "facility-pane"],
  ["tab-gaps", "gap-pane"],
] as const;

function showTab(tab: string): void {
  for (const [id, pane] of TABS) {
    $(id).setAttribute("aria-selected", String(id === tab));
    $(id).tabIndex = id === tab ? 0 : -1;
    $(pane).hidden = id !== tab;
  }
  if (tab === "tab-gaps" && gaps === undefined) {
    $("gap-note").textContent = t("working");
    void host.loadGaps().then((g) => {
      gaps = g;
      renderGaps();
    });
  }
}

/** Opens the table drawer (or closes it) and tells the map to fit the new size. */
function setOpen(open: boolean, resize: () => void): void {
  $("drawer").hidden = !open;
  const btn = $("table-toggle");
  btn.setAttribute("aria-expanded", String(open));
  btn.dataset.i18n = open ? "tableHide" : "tableShow";
  btn.textContent = t(open ? "tableHide" : "tableShow");
  resize();
}

/** Wires the drawer; `resize` lets the map follow a change of its size. */
export function initTable(h: TableHost, resize: () => void): void {
  host = h;
  $("table-filter").addEventListener("input", () => render());
  TABS.forEach(([id], i) => {
    $(id).addEventListener("click", () => showTab(id));
    $(id).addEventListener("keydown", (e) => {
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      const next = TABS[(i + (e.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length]![0];
      showTab(next);
      $(next).focus();
    });
  });
  $("table-toggle").addEventListener("click", () => setOpen($("drawer").hidden, resize));
  render();
}
