// The planner map's "Scenarios" panel: the edit key first, then choose or create a scenario;
// drop a named planned facility on the map (mouse, or keyboard: crosshair + arrow keys + Enter)
// or draw its area; close / open / resize an existing one from its popup (information first,
// actions behind an explicit step); see the effect for the band shown — children gained and
// lost apart, net only as net — per neighbourhood, and on the map as 100 m cells gained/lost,
// the gap areas after the edits and the changed facility's catchment; location suggestions
// planned exactly as evaluated.
//
// Without a stored scenario, edits form an unsaved sketch answered by POST /api/compare.
import maplibregl from "maplibre-gl";
import { BANDS, type Band, KINDS, el, kindName, layerId, legend, timeParams } from "./common";
import { bandLimit, int, pct, pointsBetween, signed, standardNamed } from "./format";
import { lang, t, type Key } from "./i18n";
import { ApiError, type Json, atLeast, errorText, onSession, request as api, role, session, setEditKey, when } from "./api";

export { ApiError, errorText };
/** An edit as the API writes it (docs/interfaces.md, "HTTP: scenarios and suggestions"). */
type Edit = Json & { op: "add" | "remove" | "set_access" | "enlarge" | "play_street" | "open_after_hours" };
type Status = "draft" | "proposed" | "agreed" | "rejected";
/** A stored scenario as the list and GET /api/scenarios/{id} write it (issue 18 adds author, department, status). */
interface Info {
  id: number;
  name: string;
  description?: string;
  created?: string;
  updated?: string;
  edit_count?: number;
  author?: string;
  author_name?: string;
  department?: string;
  status?: Status;
}
/** A comment: on the scenario (`position` null) or on its edit at `position`. */
interface Comment {
  id: number;
  position: number | null;
  author: string;
  author_name: string;
  at: string;
  text: string;
}
type PerBand = Partial<Record<Band | "total", number>>;
interface Side {
  before: Json;
  after: Json;
  change: Json;
  gained?: PerBand;
  lost?: PerBand;
}
interface Row extends Side {
  id: string;
  name: string;
}
interface Comparison {
  standard?: string;
  neighbourhoods: Row[];
  totals: Side;
  cells?: GeoJSON.FeatureCollection;
  gap_areas?: GeoJSON.FeatureCollection;
}
interface Suggestion {
  rank: number;
  site_id: string;
  source: string;
  name: string | null;
  label?: string;
  lon: number | null;
  lat: number | null;
  area_m2: number;
  gained: PerBand;
  gained_alone?: PerBand;
  edit?: Edit;
  neighbourhood: { id: string; name: string } | null;
  geometry: GeoJSON.Geometry | null;
}

export interface ScenarioHost {
  map: maplibregl.Map;
  /** The age band the map shows. */
  band: () => Band;
  /** The neighbourhoods of /api/neighbourhoods. */
  neighbourhoods: () => GeoJSON.FeatureCollection;
  /** The facilities of /api/facilities (names and places for the edit list and catchments). */
  facilities: () => GeoJSON.FeatureCollection;
}

/** What the comparisons ask for besides the table: 100 m cells and the gap areas after. */
const COMPARE_BASE = "cells=100&gaps=1";
/** What every comparison asks for besides its rows, at the time the map shows. */
const extras = (): string => {
  const time = timeParams();
  return time ? `${COMPARE_BASE}&${time}` : COMPARE_BASE;
};
const facilityLayers = () => [layerId("facility_points"), layerId("facility_areas")];

let host: ScenarioHost;
/** The stored scenario shown, or null for the unsaved sketch. */
let scenarioId: number | null = null;
let edits: Edit[] = [];
/** The stored scenario shown (status, department, author), null for the sketch. */
let current: Info | null = null;
/** Every stored scenario of the list. */
let scenarios: Info[] = [];
/** The comments of the scenario shown. */
let comments: Comment[] = [];
let comparison: Comparison | null = null;
let suggestions: Suggestion[] = [];
let placing = false;
/** Where focus goes back to when placing or a popup ends. */
let placingOpener: HTMLElement | null = null;
/** Outline being drawn (lon/lat), or null when not drawing an area. */
let drawing: [number, number][] | null = null;
/** What is drawn: an area (a planned facility) or a line (a play street). */
let drawingStreet = false;
let editing = false;
let popup: maplibregl.Popup | null = null;
/** Names of facilities edited in this session, by OSM id (for the edit list). */
const facilityNames = new Map<string, string>();
/** Catchment polygons by "lon,lat,metres". */
const catchments = new Map<string, GeoJSON.Feature | null>();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function status(text: string, error = false): void {
  const s = $("scenario-status");
  s.textContent = text;
  s.className = error ? "error" : "muted";
}

/** Runs a request, showing "computing …" meanwhile and the error, if any, afterwards. */
async function guarded(work: () => Promise<void>): Promise<void> {
  status(t("working"));
  try {
    await work();
    status("");
  } catch (e) {
    status(errorText(e), true);
  }
}

const tokenValue = () => $<HTMLInputElement>("edit-token").value.trim();

/** The token step: creating a scenario waits for the edit key, unless somebody is logged in. */
function tokenState(): void {
  const has = session().user !== null || tokenValue() !== "";
  $("scenario-token-first").hidden = has || !editing;
  $<HTMLButtonElement>("scenario-new").querySelector("button")!.disabled = !has;
  $<HTMLInputElement>("scenario-name").disabled = !has;
}

/**
 * Whether this caller may write stored scenarios: a logged-in user by its role; nobody logged in,
 * whenever the server edits at all (with the edit key; the server answers for it).
 */
function mayWrite(): boolean {
  return session().user ? editing && atLeast(role(), "editor") : editing;
}

/** Whether the scenario shown takes edits here: the sketch always; a stored one if a draft and the caller may write. */
function editable(): boolean {
  return scenarioId === null || ((current?.status ?? "draft") === "draft" && mayWrite());
}

const STATUSES: Status[] = ["draft", "proposed", "agreed", "rejected"];
const statusName = (s: string | undefined) => (STATUSES.includes(s as Status) ? t(`status_${s}` as Key) : (s ?? ""));

/** Who did something: the display name; the edit key (machine token) in the UI language. */
const authorName = (author: unknown, name: unknown) => (author === "machine-token" ? t("machineToken") : String(name || author || ""));

async function loadList(select?: number | null): Promise<void> {
  const v = await api("GET", "/api/scenarios").catch(() => ({ scenarios: [], editing: false }) as Json);
  editing = v.editing === true;
  scenarios = (v.scenarios as Info[]) ?? [];
  fillFilters();
  fillPick(select === undefined ? scenarioId : select);
  fillCompare();
  controls();
}

/** The department and status filters: every department of the list. */
function fillFilters(): void {
  const dep = $<HTMLSelectElement>("filter-department");
  const keep = dep.value;
  const names = [...new Set(scenarios.map((s) => s.department ?? "").filter((d) => d !== ""))].sort((a, b) => a.localeCompare(b));
  dep.replaceChildren(el("option", { value: "" }, t("allDepartments")), ...names.map((d) => el("option", { value: d }, d)));
  dep.value = names.includes(keep) ? keep : "";
  const st = $<HTMLSelectElement>("filter-status");
  const keepS = st.value;
  st.replaceChildren(el("option", { value: "" }, t("allStatuses")), ...STATUSES.map((s) => el("option", { value: s }, statusName(s))));
  st.value = keepS;
}

/** The scenario choice: the sketch, then the scenarios the filters let through (the one shown always). */
function fillPick(select: number | null): void {
  const dep = $<HTMLSelectElement>("filter-department").value;
  const st = $<HTMLSelectElement>("filter-status").value;
  const sel = $<HTMLSelectElement>("scenario-select");
  sel.replaceChildren(el("option", { value: "" }, t("scenarioSketch")));
  const shown = scenarios.filter((s) => s.id === select || ((!dep || s.department === dep) && (!st || (s.status ?? "draft") === st)));
  for (const s of shown) {
    const label = s.status ? `${s.name} · ${statusName(s.status)}` : s.name;
    sel.append(el("option", { value: String(s.id), "data-status": s.status ?? "", "data-department": s.department ?? "" }, label));
  }
  sel.value = select == null ? "" : String(select);
  $("scenario-filter-count").textContent = dep || st ? t("filterCount", { n: shown.filter((s) => s.id !== select || ((!dep || s.department === dep) && (!st || s.status === st))).length, total: scenarios.length }) : "";
}

/** The two choices of the side-by-side comparison. */
function fillCompare(): void {
  for (const id of ["compare-a", "compare-b"]) {
    const sel = $<HTMLSelectElement>(id);
    const keep = sel.value;
    sel.replaceChildren(el("option", { value: "" }, t("comparePickOne")));
    for (const s of scenarios) sel.append(el("option", { value: String(s.id) }, s.status ? `${s.name} · ${statusName(s.status)}` : s.name));
    sel.value = scenarios.some((s) => String(s.id) === keep) ? keep : "";
  }
  $("compare-box").hidden = scenarios.length < 2;
}

/** Shows or hides what changes things, by the scenario's status and the caller's role. */
function controls(): void {
  const { accounts, user } = session();
  const write = mayWrite();
  // Logging in replaces the edit key; nobody logged in, the key (machine token) still works.
  $("scenario-token-step").hidden = !(editing && !user);
  $("scenario-login-hint").hidden = !(editing && !user && accounts);
  $("scenario-edit-rows").hidden = !write;
  const ro = $("scenario-readonly");
  const why: Key | null = user ? (write ? null : "viewerHint") : editing ? null : "readOnly";
  ro.hidden = why === null;
  ro.textContent = why === null ? "" : t(why);
  $("scenario-tools").hidden = !editable();
  tokenState();
}

async function storedComparison(id: number): Promise<Comparison | null> {
  return edits.length ? ((await api("GET", `/api/scenarios/${id}/compare?${extras()}`)) as unknown as Comparison) : null;
}

async function loadComments(id: number): Promise<Comment[]> {
  const v = await api("GET", `/api/scenarios/${id}/comments`).catch(() => ({ comments: [] }) as Json);
  return (v.comments as Comment[]) ?? [];
}

async function choose(id: number | null): Promise<void> {
  scenarioId = id;
  if (id === null) {
    current = null;
    edits = [];
    comments = [];
    comparison = null;
    render();
    return;
  }
  const s = await api("GET", `/api/scenarios/${id}`);
  current = s as unknown as Info;
  edits = (s.edits as Edit[]) ?? [];
  comments = await loadComments(id);
  comparison = await storedComparison(id);
  render();
}

/** The moves of the status this caller's role allows from `from` (contract of issue 18). */
function moves(from: Status): [Status, Key, string][] {
  const r = role();
  if (!mayWrite() || !atLeast(r, "editor")) return [];
  const admin = r === "admin";
  const out: [Status, Key, string][] = [];
  if (from === "draft") out.push(["proposed", "propose", "scenario-propose"]);
  if (from === "proposed" && admin) out.push(["agreed", "agree", "scenario-agree"], ["rejected", "reject", "scenario-reject"]);
  if (from === "proposed" || ((from === "agreed" || from === "rejected") && admin)) out.push(["draft", "backToDraft", "scenario-to-draft"]);
  return out;
}

async function setStatus(to: Status): Promise<void> {
  if (scenarioId === null) return;
  const id = scenarioId;
  await guarded(async () => {
    const v = await api("POST", `/api/scenarios/${id}/status`, { status: to });
    current = { ...(current ?? { id, name: "" }), ...(v as unknown as Info) };
    await loadList(id);
    render();
  });
}

/** Status, department and author of the scenario shown, and the status moves the role allows. */
function renderInfo(): void {
  const box = $("scenario-info");
  box.hidden = scenarioId === null || current === null;
  box.replaceChildren();
  if (scenarioId === null || current === null) return;
  const c = current;
  const dl = el("dl", { class: "scenario-facts" });
  if (c.status) {
    const dd = el("dd");
    dd.append(el("span", { id: "scenario-state", class: `badge status-${c.status}`, "data-status": c.status }, statusName(c.status)));
    dl.append(el("dt", {}, t("statusLabel")), dd);
  }
  if (c.department !== undefined) dl.append(el("dt", {}, t("department")), el("dd", { id: "scenario-department" }, c.department || t("noDepartment")));
  if (c.author !== undefined) {
    const by = authorName(c.author, c.author_name);
    dl.append(el("dt", {}, t("createdBy")), el("dd", { id: "scenario-author", "data-author": String(c.author) }, c.created ? t("byAt", { name: by, at: when(c.created) }) : by));
  }
  box.append(dl);
  const ms = moves(c.status ?? "draft");
  if (c.status && ms.length) {
    const row = el("div", { class: "moves", role: "group", "aria-label": t("statusMoves") });
    for (const [to, key, id] of ms) {
      const b = el("button", { type: "button", id, class: to === "rejected" ? "move danger" : "move" }, t(key));
      b.addEventListener("click", () => void setStatus(to));
      row.append(b);
    }
    box.append(row);
  }
  if (c.status && c.status !== "draft") box.append(el("p", { class: "hint small", id: "scenario-locked" }, t("notDraftHint", { status: statusName(c.status) })));
  // A draft's department can be changed (the server gives a new one its author's).
  if (c.department !== undefined && (c.status ?? "draft") === "draft" && mayWrite()) {
    const form = el("form", { class: "inline", id: "department-form" });
    const input = el("input", { id: "department-input", type: "text", maxlength: "200", value: c.department, "aria-label": t("departmentChange"), list: "department-list" });
    const list = el("datalist", { id: "department-list" });
    for (const d of new Set(scenarios.map((x) => x.department ?? "").filter((x) => x))) list.append(el("option", { value: d }));
    form.append(input, list, el("button", { type: "submit" }, t("departmentSave")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const id = c.id;
      void guarded(async () => {
        const v = await api("PATCH", `/api/scenarios/${id}`, { department: input.value.trim() });
        current = { ...(current ?? c), ...(v as unknown as Info) };
        await loadList(id);
        render();
      });
    });
    box.append(form);
  }
}

/** Comments on the scenario, those on an edit marked with it; the form for editors and admins. */
function renderComments(): void {
  const box = $("scenario-comments-box");
  box.hidden = scenarioId === null;
  if (scenarioId === null) return;
  const list = $("scenario-comments");
  list.replaceChildren();
  if (!comments.length) list.append(el("li", { class: "muted" }, t("noComments")));
  for (const c of comments) {
    const li = el("li", { class: "comment", "data-author": c.author, "data-position": c.position === null ? "" : String(c.position) });
    const meta = el("p", { class: "meta small muted" }, t("byAt", { name: authorName(c.author, c.author_name), at: when(c.at) }));
    if (c.position !== null) {
      const e = edits[c.position];
      meta.append(" · ", el("span", { class: "about" }, t("commentOnEdit", { n: c.position + 1 }) + (e ? `: ${editLabel(e)}` : "")));
    }
    // Plain text only: textContent, never markup.
    li.append(meta, el("p", { class: "text" }, c.text));
    list.append(li);
  }
  const form = $<HTMLFormElement>("comment-form");
  form.hidden = !(mayWrite() && atLeast(role(), "editor"));
  const about = $<HTMLSelectElement>("comment-about");
  const keep = about.value;
  about.replaceChildren(el("option", { value: "" }, t("commentWhole")), ...edits.map((e, i) => el("option", { value: String(i) }, `${t("commentEdit", { n: i + 1 })}: ${editLabel(e)}`)));
  about.value = keep !== "" && Number(keep) < edits.length ? keep : "";
}

async function sendComment(): Promise<void> {
  if (scenarioId === null) return;
  const id = scenarioId;
  const text = $<HTMLTextAreaElement>("comment-text");
  const about = $<HTMLSelectElement>("comment-about").value;
  if (!text.value.trim()) return;
  await guarded(async () => {
    await api("POST", `/api/scenarios/${id}/comments`, { text: text.value, position: about === "" ? null : Number(about) });
    text.value = "";
    comments = await loadComments(id);
    renderComments();
  });
}

/** Two scenarios side by side: per band children gained, lost and the net, from each one's comparison. */
async function runCompare(): Promise<void> {
  const a = $<HTMLSelectElement>("compare-a").value;
  const b = $<HTMLSelectElement>("compare-b").value;
  const out = $("compare-result");
  if (!a || !b || a === b) {
    out.replaceChildren(el("p", { class: "error" }, t("comparePick")));
    return;
  }
  out.replaceChildren(el("p", { class: "muted" }, t("working")));
  const side = async (id: string): Promise<Comparison | ApiError | null> => {
    const s = scenarios.find((x) => String(x.id) === id);
    if (s && s.edit_count === 0) return null;
    try {
      return (await api("GET", `/api/scenarios/${id}/compare`)) as unknown as Comparison;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError("offline", 0);
    }
  };
  const [ca, cb] = await Promise.all([side(a), side(b)]);
  const name = (id: string) => scenarios.find((x) => String(x.id) === id)?.name ?? id;
  const table = el("table", { class: "effect compare", id: "compare-table" });
  table.append(el("caption", {}, t("compareCaption")));
  const head = el("tr");
  head.append(el("th", { scope: "col" }, t("ageBand")));
  for (const [id, c] of [[a, ca], [b, cb]] as const) {
    const th = el("th", { scope: "col", "data-id": id }, name(id));
    const s = scenarios.find((x) => String(x.id) === id);
    if (s?.status) th.append(el("br"), el("span", { class: "small muted" }, statusName(s.status)));
    if (c instanceof ApiError) th.title = errorText(c);
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  const tbody = el("tbody");
  for (const band of BANDS) {
    const rows: [string, (c: Comparison) => number | undefined, (n: number) => string][] = [
      ["gained", (c) => c.totals.gained?.[band], (n) => `+${int(n)}`],
      ["lost", (c) => c.totals.lost?.[band], (n) => (Math.round(n) > 0 ? `−${int(n)}` : int(0))],
      ["net", (c) => Number(c.totals.change[`served_children_${band}`] ?? 0), (n) => signed(Math.round(n))],
    ];
    for (const [what, get, fmt] of rows) {
      const tr = el("tr", { class: `row-${what}` });
      tr.append(el("th", { scope: "row" }, t("compareRow", { band: t(`band_${band}` as Key), what: t(`compare_${what}` as Key) })));
      for (const c of [ca, cb]) {
        const v = c === null ? 0 : c instanceof ApiError ? undefined : get(c);
        const td = el("td", { "data-band": band, "data-what": what }, typeof v === "number" ? fmt(v) : "–");
        if (typeof v === "number") td.dataset.value = String(v);
        tr.append(td);
      }
      tbody.append(tr);
    }
  }
  table.append(thead, tbody);
  const notes: HTMLElement[] = [];
  for (const [id, c] of [[a, ca], [b, cb]] as const) if (c instanceof ApiError) notes.push(el("p", { class: "error small" }, `${name(id)}: ${errorText(c)}`));
  out.replaceChildren(table, ...notes);
}

/** Adds one edit: to the stored scenario or to the sketch; then the comparison with cells and gaps. */
async function addEdit(edit: Edit): Promise<void> {
  await guarded(async () => {
    if (scenarioId !== null) {
      const v = await api("POST", `/api/scenarios/${scenarioId}/edits`, edit);
      current = { ...(current ?? { id: scenarioId, name: "" }), ...(v.scenario as Info) };
      edits = ((v.scenario as Json).edits as Edit[]) ?? [];
      // The stored answer at once; then the comparison with its cells and gap areas.
      comparison = edits.length ? (v.comparison as Comparison) : null;
      render();
      comparison = await storedComparison(scenarioId);
    } else {
      const next = [...edits, edit];
      comparison = (await api("POST", `/api/compare?${extras()}`, { edits: next })) as unknown as Comparison;
      edits = next;
    }
    standardNamed(comparison?.standard);
    render();
  });
}

async function removeEdit(position: number): Promise<void> {
  await guarded(async () => {
    if (scenarioId !== null) {
      const v = await api("DELETE", `/api/scenarios/${scenarioId}/edits/${position}`);
      current = { ...(current ?? { id: scenarioId, name: "" }), ...(v.scenario as Info) };
      edits = ((v.scenario as Json).edits as Edit[]) ?? [];
      // The stored answer at once; then the comparison with its cells and gap areas.
      comparison = edits.length ? (v.comparison as Comparison) : null;
      render();
      comparison = await storedComparison(scenarioId);
    } else {
      const next = edits.filter((_, i) => i !== position);
      comparison = next.length ? ((await api("POST", `/api/compare?${extras()}`, { edits: next })) as unknown as Comparison) : null;
      edits = next;
    }
    if (!edits.length) comparison = null;
    render();
  });
}

function facilityById(id: unknown): GeoJSON.Feature | undefined {
  return host.facilities().features.find((x) => x.properties?.osm_id === id);
}

function editLabel(e: Edit): string {
  const what = (id: unknown) => {
    const known = facilityNames.get(String(id));
    if (known) return known;
    const f = facilityById(id);
    return f ? `${f.properties?.name ?? kindName(String(f.properties?.kind))}` : String(id);
  };
  switch (e.op) {
    case "add":
      return t("op_add", { what: e.name ? t("named", { kind: kindName(String(e.kind)), name: String(e.name) }) : kindName(String(e.kind)) });
    case "remove":
      return t("op_remove", { what: what(e.osm_id) });
    case "set_access":
      return t("op_set_access", { what: what(e.osm_id), access: String(e.access) });
    case "enlarge":
      return t("op_enlarge", { what: what(e.osm_id), area: int(Number(e.area_m2)) });
    case "play_street":
      return t("op_play_street", { what: e.name ? `„${String(e.name)}“` : "", hours: String(e.hours) });
    case "open_after_hours":
      return t("op_open_after_hours", { what: what(e.osm_id), hours: String(e.hours) });
  }
}

/** The headline for a band: gained and lost apart, net only as net; data-* carry the figures. */
function headline(c: Comparison, band: Band): HTMLElement {
  const p = el("p", { class: "headline", id: "scenario-headline" });
  const net = Number(c.totals.change[`served_children_${band}`] ?? 0);
  p.dataset.band = band;
  p.dataset.net = String(net);
  const gained = c.totals.gained?.[band];
  const lost = c.totals.lost?.[band];
  if (typeof gained === "number" && typeof lost === "number") {
    p.dataset.gained = String(gained);
    p.dataset.lost = String(lost);
    // Net of the two figures shown (gained − lost), so the line adds up as it reads.
    const shownNet = Math.round(gained) - Math.round(lost);
    p.dataset.shownNet = String(shownNet);
    p.append(
      Math.round(gained) > 0 ? el("span", { class: "up" }, t("gainedChildren", { n: int(gained) })) : el("span", {}, t("noneGained")),
      ", ",
      Math.round(lost) > 0 ? el("span", { class: "down" }, t("lostChildren", { n: int(lost) })) : el("span", {}, t("noneLost")),
      " ",
      el("span", { class: "net" }, `(${t("netChildren", { n: signed(shownNet) })})`),
    );
  } else {
    p.append(el("span", { class: "net" }, t("netOnly", { n: signed(Math.round(net)) })));
  }
  return p;
}

/** Re-draws the edit list, the effect and the map layers from the current state. */
export function render(): void {
  if (!host) return;
  const list = $("scenario-edits");
  list.replaceChildren();
  if (!edits.length) list.append(el("li", { class: "muted" }, t("noEdits")));
  const canEdit = editable();
  edits.forEach((e, i) => {
    const li = el("li");
    const what = el("span", { class: "name" }, editLabel(e));
    // Who added it and when (stored scenarios of a server with authors).
    if (e.author !== undefined) {
      const by = authorName(e.author, e.author_name);
      what.append(el("span", { class: "by small muted", "data-author": String(e.author) }, typeof e.created === "string" ? t("addedByAt", { name: by, at: when(e.created) }) : t("addedBy", { name: by })));
    }
    const about = comments.filter((c) => c.position === i).length;
    if (about) what.append(el("span", { class: "by small", "data-comments": String(about) }, t("editComments", { n: about })));
    li.append(what);
    if (canEdit) {
      const undo = el("button", { type: "button", class: "link" }, t("undoEdit"));
      undo.addEventListener("click", () => void removeEdit(i));
      li.append(undo);
    }
    list.append(li);
  });
  renderInfo();
  renderComments();
  controls();

  const band = host.band();
  const key = `served_share_${band}`;
  const box = $("scenario-effect");
  box.replaceChildren();
  if (comparison && edits.length) {
    box.append(el("h3", {}, t("effectFor", { band: t(`band_${band}` as Key) })), headline(comparison, band));
    const tb = comparison.totals;
    if (typeof tb.before[key] === "number" && typeof tb.after[key] === "number") {
      const b = tb.before[key] as number;
      const a = tb.after[key] as number;
      box.append(el("p", { class: "small", id: "scenario-total-share" }, t("totalShare", { before: pct(b), after: pct(a), points: t("points", { n: pointsBetween(b, a) }) })));
    }
    const rows = comparison.neighbourhoods
      .filter((r) => typeof r.change[key] === "number" && r.change[key] !== 0)
      .sort((a, b) => Number(b.change[key]) - Number(a.change[key]));
    if (!rows.length) box.append(el("p", { class: "muted" }, t("noChange")));
    else {
      const table = el("table", { class: "effect", id: "scenario-table" });
      const head = el("tr");
      for (const h of ["neighbourhood", "before", "after", "change"] as Key[]) head.append(el("th", {}, t(h)));
      table.append(el("caption", {}, t("changePoints")), head);
      const line = (name: string, r: Side, cls: string) => {
        const b = Number(r.before[key]);
        const a = Number(r.after[key]);
        const tr = el("tr", { class: cls, "data-change": String(r.change[key]) });
        // Children gained and lost in this row, apart (contract item 2), where the server gives them.
        const g = r.gained?.[band];
        const l = r.lost?.[band];
        if (typeof g === "number" && typeof l === "number") tr.title = `${t("gainedChildren", { n: int(g) })}, ${t("lostChildren", { n: int(l) })}`;
        tr.append(el("td", {}, name), el("td", {}, pct(b)), el("td", {}, pct(a)), el("td", { class: a > b ? "up" : a < b ? "down" : "" }, pointsBetween(b, a)));
        table.append(tr);
      };
      rows.forEach((r) => line(r.name, r, "hood"));
      line(t("total"), comparison.totals, "total");
      box.append(table);
    }
  }
  drawEdits();
  drawChange();
  drawSuggestions();
}

function source(id: string, data: GeoJSON.FeatureCollection): boolean {
  const src = host.map.getSource(id) as maplibregl.GeoJSONSource | undefined;
  if (src) {
    src.setData(data);
    return false;
  }
  host.map.addSource(id, { type: "geojson", data });
  return true;
}

/** Planned facilities as orange-ringed points/polygons. */
function drawEdits(): void {
  const features: GeoJSON.Feature[] = edits
    .filter((e) => (e.op === "add" || e.op === "play_street") && e.geometry)
    .map((e) => ({ type: "Feature", geometry: e.geometry as GeoJSON.Geometry, properties: { kind: String(e.kind ?? "play_street") } }));
  if (source("scenario-planned", { type: "FeatureCollection", features })) {
    // Play streets: a wide dashed orange line along the street.
    host.map.addLayer({ id: "scenario-planned-street", type: "line", source: "scenario-planned", filter: ["in", ["geometry-type"], ["literal", ["LineString", "MultiLineString"]]], paint: { "line-color": "#e8590c", "line-width": 7, "line-opacity": 0.75, "line-dasharray": [1.5, 0.75] } });
    host.map.addLayer({ id: "scenario-planned-area", type: "fill", source: "scenario-planned", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#e8590c", "fill-opacity": 0.45 } });
    host.map.addLayer({ id: "scenario-planned", type: "circle", source: "scenario-planned", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 8, "circle-color": "#fff", "circle-stroke-color": "#e8590c", "circle-stroke-width": 4 } });
  }
}

const empty: GeoJSON.FeatureCollection = { type: "FeatureCollection", features: [] };
const CELL_GAINED = "#2166ac";
const CELL_LOST = "#b2182b";

/** A point of an edit's place: its point, the first corner of its outline, or the facility's. */
function editPlace(e: Edit): [number, number] | null {
  const first = (g: GeoJSON.Geometry | undefined): [number, number] | null => {
    if (!g) return null;
    let out: [number, number] | null = null;
    const visit = (c: unknown): void => {
      if (out) return;
      if (Array.isArray(c) && typeof c[0] === "number") out = [c[0], c[1] as number];
      else if (Array.isArray(c)) c.forEach(visit);
    };
    visit((g as GeoJSON.Polygon).coordinates);
    return out;
  };
  if (e.op === "add") {
    const g = e.geometry as GeoJSON.Geometry | undefined;
    if (g && g.type !== "Point") {
      // The centre of the outline's corners.
      const pts: [number, number][] = [];
      const visit = (c: unknown): void => {
        if (Array.isArray(c) && typeof c[0] === "number") pts.push([c[0], c[1] as number]);
        else if (Array.isArray(c)) c.forEach(visit);
      };
      visit((g as GeoJSON.Polygon).coordinates);
      if (pts.length) return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
    }
    return first(g);
  }
  return first(facilityById(e.osm_id)?.geometry);
}

/** The catchments of the changed facilities for the band shown (GET /api/reach?metres=…). */
async function drawCatchments(): Promise<void> {
  const limit = bandLimit(host.band());
  const show = $<HTMLInputElement>("scenario-show-change").checked && edits.length > 0 && limit !== null;
  const wanted = show ? edits.map(editPlace).filter((p): p is [number, number] => p !== null) : [];
  const keys = wanted.map(([lon, lat]) => `${lon.toFixed(6)},${lat.toFixed(6)},${limit?.metres}`);
  await Promise.all(
    keys
      .filter((k) => !catchments.has(k))
      .map(async (k) => {
        const [lon, lat, m] = k.split(",");
        try {
          // /api/reach takes minutes at the server's walking speed (4.5 km/h = 75 m a minute; its
          // answer states both): the band's limit in metres as minutes.
          const minutes = (Number(m) / 75).toFixed(6);
          const fc = (await api("GET", `/api/reach?${new URLSearchParams({ lon: lon!, lat: lat!, minutes })}`)) as unknown as GeoJSON.FeatureCollection;
          catchments.set(k, fc.features.find((f) => f.properties?.type === "isochrone") ?? null);
        } catch {
          catchments.set(k, null);
        }
      }),
  );
  const features = keys.map((k) => catchments.get(k)).filter((f): f is GeoJSON.Feature => !!f);
  if (source("scenario-catchment", { type: "FeatureCollection", features })) {
    host.map.addLayer({ id: "scenario-catchment-fill", type: "fill", source: "scenario-catchment", paint: { "fill-color": "#e8590c", "fill-opacity": 0.08 } });
    host.map.addLayer({ id: "scenario-catchment", type: "line", source: "scenario-catchment", paint: { "line-color": "#e8590c", "line-width": 2.5, "line-dasharray": [3, 2] } });
  }
}

/** The effect on the map: 100 m cells gained / lost for the band, the gap areas after the edits. */
function drawChange(): void {
  const band = host.band();
  const show = $<HTMLInputElement>("scenario-show-change").checked && edits.length > 0 && comparison !== null;
  const cells = show && comparison?.cells ? comparison.cells : empty;
  if (source("scenario-cells", cells)) {
    const before = host.map.getLayer(layerId("facility_areas")) ? layerId("facility_areas") : undefined;
    host.map.addLayer({ id: "scenario-cells", type: "fill", source: "scenario-cells", paint: { "fill-opacity": 0.5, "fill-outline-color": "#ffffff" } }, before);
  }
  const g = ["to-number", ["coalesce", ["get", `gained_${band}`], 0]];
  const l = ["to-number", ["coalesce", ["get", `lost_${band}`], 0]];
  host.map.setFilter("scenario-cells", ["any", [">", g, 0], [">", l, 0]] as unknown as maplibregl.FilterSpecification);
  host.map.setPaintProperty("scenario-cells", "fill-color", ["case", [">=", g, l], CELL_GAINED, CELL_LOST] as unknown as maplibregl.ExpressionSpecification);

  // The gap areas after the edits replace the base gap layer while a comparison carries them.
  const after = show && comparison?.gap_areas ? comparison.gap_areas : null;
  if (source("scenario-gaps", after ?? empty)) {
    const before = host.map.getLayer("scenario-cells") ? "scenario-cells" : undefined;
    host.map.addLayer({ id: "scenario-gaps", type: "fill", source: "scenario-gaps", paint: { "fill-pattern": "gap-hatch", "fill-opacity": 0.85 } }, before);
    host.map.addLayer({ id: "scenario-gaps-outline", type: "line", source: "scenario-gaps", paint: { "line-color": legend.gap || "#c92a2a", "line-width": 1.5 } }, before);
  }
  const gf = [">", ["to-number", ["coalesce", ["get", `gap_children_${band}`], 0]], 0] as maplibregl.FilterSpecification;
  host.map.setFilter("scenario-gaps", gf);
  host.map.setFilter("scenario-gaps-outline", gf);
  // The base gap layer fades out (its visibility stays the planner's layer toggle, which the
  // gaps after follow).
  const visible = host.map.getLayer(layerId("gaps")) ? (host.map.getLayoutProperty(layerId("gaps"), "visibility") ?? "visible") : "visible";
  for (const id of ["scenario-gaps", "scenario-gaps-outline"]) host.map.setLayoutProperty(id, "visibility", visible);
  if (host.map.getLayer(layerId("gaps"))) host.map.setPaintProperty(layerId("gaps"), "fill-opacity", after ? 0 : 0.85);
  if (host.map.getLayer("gaps-outline")) host.map.setPaintProperty("gaps-outline", "line-opacity", after ? 0 : 1);
  void drawCatchments();
  legendBox(show, !!comparison?.cells, !!after);
}

function legendBox(show: boolean, cells: boolean, gaps: boolean): void {
  const box = $("scenario-change-legend");
  box.hidden = !show;
  box.replaceChildren();
  const item = (swatch: HTMLElement, text: string) => {
    const row = el("div", { class: "item" });
    row.append(swatch, el("span", {}, text));
    box.append(row);
  };
  if (cells) {
    item(el("span", { class: "swatch", style: `background:${CELL_GAINED}` }), t("cellsGained"));
    item(el("span", { class: "swatch", style: `background:${CELL_LOST}` }), t("cellsLost"));
  }
  const limit = bandLimit(host.band());
  if (limit) item(el("span", { class: "swatch", style: "background:none;border:2px dashed #e8590c" }), t("catchment", { m: int(limit.metres) }));
  if (gaps) item(el("span", { class: "hatch", style: `--gap:${legend.gap || "#c92a2a"}` }), t("gapsAfter"));
}

function drawSuggestions(): void {
  const features: GeoJSON.Feature[] = suggestions.flatMap((s) => {
    const p = { rank: s.rank, site_id: s.site_id };
    const out: GeoJSON.Feature[] = [];
    if (s.geometry && s.geometry.type !== "Point") out.push({ type: "Feature", geometry: s.geometry, properties: p });
    if (s.lon !== null && s.lat !== null) out.push({ type: "Feature", geometry: { type: "Point", coordinates: [s.lon, s.lat] }, properties: p });
    return out;
  });
  if (source("suggestions", { type: "FeatureCollection", features })) {
    host.map.addLayer({ id: "suggestions-area", type: "fill", source: "suggestions", filter: ["!=", ["geometry-type"], "Point"], paint: { "fill-color": "#7048e8", "fill-opacity": 0.3, "fill-outline-color": "#5f3dc4" } });
    host.map.addLayer({ id: "suggestions", type: "circle", source: "suggestions", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 9, "circle-color": "#7048e8", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  }
}

async function runSuggest(): Promise<void> {
  const kind = $<HTMLSelectElement>("suggest-kind").value;
  const count = $<HTMLInputElement>("suggest-count").value;
  const list = $("suggest-list");
  list.replaceChildren(el("li", { class: "muted" }, t("working")));
  try {
    const v = await api("GET", `/api/suggest?${new URLSearchParams({ kind, count, lang: lang() })}`);
    suggestions = (v.suggestions as Suggestion[]) ?? [];
  } catch (e) {
    suggestions = [];
    list.replaceChildren(el("li", { class: "error" }, errorText(e)));
    drawSuggestions();
    return;
  }
  renderSuggestions();
  drawSuggestions();
}

/** A suggestion's name: the server's label, else its OSM name, else the kind of site. */
const suggestionLabel = (s: Suggestion) => s.label ?? s.name ?? kindName($<HTMLSelectElement>("suggest-kind").value);

function renderSuggestions(): void {
  const list = $("suggest-list");
  list.replaceChildren();
  if (!suggestions.length) list.append(el("li", { class: "muted" }, t("suggestNone")));
  for (const s of suggestions) {
    const li = el("li", { class: "suggestion", "data-site": s.site_id });
    // The figure with the button is what this site alone gains (contract: gained_alone).
    const alone = s.gained_alone ?? s.gained;
    const bands = BANDS.map((b) => `${t(`band_${b}` as Key)}: ${signed(Math.round(alone[b] ?? 0))}`).join(" · ");
    const title = el("button", { type: "button", class: "link name" }, `${s.rank}. ${suggestionLabel(s)}${s.neighbourhood ? ` · ${s.neighbourhood.name}` : ""}`);
    title.addEventListener("click", () => s.lon !== null && s.lat !== null && host.map.flyTo({ center: [s.lon, s.lat], zoom: 16 }));
    li.append(title, el("span", { class: "gain", title: t("suggestFor") }, t("gained", { n: int(alone.total ?? 0) })), el("span", { class: "bands muted" }, `${t("suggestFor")}: ${bands}`));
    const plan = el("div", { class: "plan" });
    const field = el("label", { class: "field" });
    const name = el("input", { type: "text", maxlength: "200", class: "plan-name", value: suggestionLabel(s) });
    field.append(el("span", {}, t("suggestName")), name);
    const go = el("button", { type: "button", class: "plan-btn" }, t("planHere"));
    go.addEventListener("click", () => {
      const named = name.value.trim() || null;
      // Show the site while its effect is computed: the cells, gaps and catchment appear there.
      if (s.lon !== null && s.lat !== null) host.map.flyTo({ center: [s.lon, s.lat], zoom: Math.max(host.map.getZoom(), 15) });
      if (s.edit) {
        void addEdit({ ...s.edit, name: named } as Edit);
        return;
      }
      if (s.lon === null || s.lat === null) return;
      const polygon = s.geometry && (s.geometry.type === "Polygon" || s.geometry.type === "MultiPolygon");
      void addEdit({ op: "add", kind: $<HTMLSelectElement>("suggest-kind").value, name: named, area_m2: s.area_m2 ?? null, access: "public", geometry: polygon ? s.geometry : { type: "Point", coordinates: [s.lon, s.lat] } });
    });
    plan.append(field, go);
    li.append(plan);
    list.append(li);
  }
}

function setPlacing(on: boolean): void {
  placing = on;
  if (on) setDrawing(false);
  $("scenario-add").setAttribute("aria-pressed", String(on));
  $("scenario-hint").hidden = !on;
  $("crosshair").hidden = !on;
  host.map.getCanvas().style.cursor = on ? "crosshair" : "";
  if (on) {
    placingOpener = document.activeElement as HTMLElement | null;
    // The map takes the keyboard: arrow keys pan it under the crosshair, Enter drops.
    host.map.getCanvas().focus({ preventScroll: true });
  }
}

/** Starts or stops drawing an area: clicks add corners; a click on the first corner (or a
 * double click) closes the outline and adds it as a planned facility. */
function setDrawing(on: boolean, street = false): void {
  if (on) setPlacing(false);
  drawing = on ? [] : null;
  drawingStreet = on && street;
  $("scenario-draw").setAttribute("aria-pressed", String(on && !street));
  $("scenario-street").setAttribute("aria-pressed", String(on && street));
  $("scenario-draw-hint").hidden = !(on && !street);
  $("scenario-street-hint").hidden = !(on && street);
  if (on) host.map.doubleClickZoom.disable();
  else host.map.doubleClickZoom.enable();
  host.map.getCanvas().style.cursor = on ? "crosshair" : "";
  drawOutline();
}

function drawOutline(): void {
  const pts = drawing ?? [];
  const features: GeoJSON.Feature[] = pts.map((c) => ({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} }));
  if (pts.length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: pts }, properties: {} });
  if (source("scenario-outline", { type: "FeatureCollection", features })) {
    host.map.addLayer({ id: "scenario-outline-line", type: "line", source: "scenario-outline", paint: { "line-color": "#e8590c", "line-width": 2, "line-dasharray": [2, 1] } });
    host.map.addLayer({ id: "scenario-outline-corner", type: "circle", source: "scenario-outline", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 5, "circle-color": "#e8590c", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  }
}

/** One click while drawing: a corner, or the end of the outline. */
function drawClick(e: maplibregl.MapMouseEvent): void {
  if (!drawing) return;
  const first = drawing[0];
  const last = drawing[drawing.length - 1];
  // A line ends with a click on its last point; an outline closes on its first corner.
  const closes = drawingStreet
    ? last !== undefined && drawing.length >= 2 && host.map.project(last).dist(e.point) < 12 && host.map.project(last).dist(e.point) >= 3
    : first !== undefined && drawing.length >= 3 && host.map.project(first).dist(e.point) < 12;
  if (last !== undefined && host.map.project(last).dist(e.point) < 3) return; // a double click's clicks
  if (!closes) {
    drawing.push([Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))]);
    drawOutline();
    return;
  }
  finishDrawing();
}

/** The name the planner gave the planned place (the field is emptied once used). */
function takeName(): string | null {
  const f = $<HTMLInputElement>("scenario-planned-name");
  const v = f.value.trim();
  f.value = "";
  return v || null;
}

function finishDrawing(): void {
  if (drawing && drawingStreet) {
    if (drawing.length < 2) return;
    const line = [...drawing];
    setDrawing(false);
    void addEdit({ op: "play_street", name: takeName(), hours: $<HTMLInputElement>("scenario-street-hours").value.trim(), geometry: { type: "LineString", coordinates: line } });
    return;
  }
  if (!drawing || drawing.length < 3) return;
  const ring = [...drawing, drawing[0]];
  setDrawing(false);
  void addEdit({ op: "add", kind: $<HTMLSelectElement>("scenario-kind").value, name: takeName(), area_m2: null, access: "public", geometry: { type: "Polygon", coordinates: [ring] } });
}

/** Adds the planned facility at a place (a click, or the crosshair with Enter). */
function placeAt(lngLat: maplibregl.LngLat): void {
  setPlacing(false);
  const areaField = $<HTMLInputElement>("scenario-area");
  const area = Number(areaField.value);
  void addEdit({
    op: "add",
    kind: $<HTMLSelectElement>("scenario-kind").value,
    name: takeName(),
    area_m2: Number.isFinite(area) && areaField.value !== "" ? area : null,
    access: "public",
    geometry: { type: "Point", coordinates: [Number(lngLat.lng.toFixed(6)), Number(lngLat.lat.toFixed(6))] },
  });
  placingOpener?.focus({ preventScroll: true });
}

/**
 * The popup of an existing facility: what it is first (name, kind, area, access); the scenario
 * actions behind an explicit "Change in the scenario …" step, each saying what it does.
 * Closing the popup gives the focus back to `opener`.
 */
export function showFacilityPopup(p: Json, at: maplibregl.LngLat, opener: HTMLElement | null = null): void {
  const id = String(p.osm_id ?? "");
  if (!id) return;
  const kind = kindName(String(p.kind));
  facilityNames.set(id, `${p.name ?? kind}`);
  const box = el("div", { class: "facility-popup" });
  box.append(el("h3", {}, String(p.name ?? t("unnamed"))));
  const dl = el("dl");
  const fact = (k: string, v: string) => dl.append(el("dt", {}, k), el("dd", {}, v));
  fact(t("kind"), kind);
  if (typeof p.area_m2 === "number" && p.area_m2 > 0) fact(t("facilityArea"), `${int(p.area_m2)} ${t("squareMetres")}`);
  if (p.access) {
    const key = `access_${String(p.access)}` as Key;
    fact(t("facilityAccess"), t(key) === key ? String(p.access) : t(key));
  }
  box.append(dl);
  const actions = el("details", { class: "actions" });
  actions.append(el("summary", {}, t("scenarioActions")));
  const act = (text: string, edit: () => Edit | null, cls = "") => {
    const b = el("button", { type: "button", class: cls }, text);
    b.addEventListener("click", () => {
      const e = edit();
      if (!e) return;
      popup?.remove();
      void addEdit(e);
    });
    actions.append(b);
    return b;
  };
  act(t("closeInScenario", { kind: lang() === "en" ? kind.toLowerCase() : kind }), () => ({ op: "remove", osm_id: id }), "danger close-facility");
  if (p.access && p.access !== "public" && p.access !== "yes") act(t("openInScenario"), () => ({ op: "set_access", osm_id: id, access: "public" }));
  const field = el("label", { class: "field" });
  const area = el("input", { type: "number", min: "0", step: "50", value: String(Math.round(typeof p.area_m2 === "number" && p.area_m2 > 0 ? p.area_m2 * 1.5 : 500)), class: "area" });
  field.append(el("span", {}, `${t("newArea")} (${t("squareMetres")})`), area);
  actions.append(field);
  act(t("resizeInScenario"), () => (Number(area.value) >= 0 && area.value !== "" ? { op: "enlarge", osm_id: id, area_m2: Number(area.value) } : null));
  // School yards and kindergarten grounds: open to all at given hours (full weight then).
  if (p.kind === "school" || p.kind === "kindergarten") {
    const hoursField = el("label", { class: "field" });
    const hours = el("input", { type: "text", value: "Mo-Fr 15:00-19:00", maxlength: "200", class: "after-hours" });
    hoursField.append(el("span", {}, t("afterHoursLabel")), hours);
    actions.append(hoursField);
    act(t("afterHoursInScenario"), () => (hours.value.trim() ? { op: "open_after_hours", osm_id: id, hours: hours.value.trim() } : null), "open-after-hours");
  }
  // Only where the scenario shown takes edits (the sketch, or a draft the caller may change).
  if (editable()) box.append(actions);
  popup?.remove();
  const back = opener ?? (document.activeElement as HTMLElement | null);
  popup = new maplibregl.Popup({ maxWidth: "300px", focusAfterOpen: true }).setLngLat(at).setDOMContent(box).addTo(host.map);
  popup.on("close", () => back?.focus({ preventScroll: true }));
  // MapLibre focuses the popup's first control, which may sit in the closed <details> (then
  // nothing takes the focus): keyboard users land on its summary or the close button instead.
  const container = popup.getElement();
  if (!container.contains(document.activeElement)) container.querySelector<HTMLElement>("summary, .maplibregl-popup-close-button")?.focus({ preventScroll: true });
}

/** Handles a map click for the scenario panel (placing a facility; a facility's popup when
 * `facilities`); true when it used the click. */
export function scenarioClick(e: maplibregl.MapMouseEvent, facilities: boolean): boolean {
  if (!host) return false;
  if (drawing) {
    drawClick(e);
    return true;
  }
  if (placing) {
    placeAt(e.lngLat);
    return true;
  }
  if (!facilities) return false;
  const layers = facilityLayers().filter((l) => host.map.getLayer(l));
  const hit = host.map.queryRenderedFeatures(e.point, { layers })[0];
  if (hit) {
    showFacilityPopup(hit.properties ?? {}, e.lngLat, host.map.getCanvas());
    return true;
  }
  return false;
}

/** Fills the kind selects (on start and on a language change). */
export function translate(): void {
  for (const id of ["scenario-kind", "suggest-kind"]) {
    const sel = $<HTMLSelectElement>(id);
    const value = sel.value || "playground";
    sel.replaceChildren(...KINDS.map((k) => el("option", { value: k }, kindName(k))));
    sel.value = value;
  }
  fillFilters();
  fillPick(scenarioId);
  fillCompare();
  if ($("compare-result").firstChild) void runCompare();
  render();
  if (suggestions.length) renderSuggestions();
}

/** Wires the panel to the map; call once the map's style has loaded. */
export function initScenarios(h: ScenarioHost): void {
  host = h;
  translate();
  const token = $<HTMLInputElement>("edit-token");
  token.value = sessionStorage.getItem("spielraum.editToken") ?? "";
  const keep = () => {
    setEditKey(token.value);
    controls();
    render();
  };
  token.addEventListener("change", keep);
  token.addEventListener("input", keep);
  $<HTMLSelectElement>("scenario-select").addEventListener("change", (e) => {
    const v = (e.target as HTMLSelectElement).value;
    void guarded(() => choose(v === "" ? null : Number(v)));
  });
  $<HTMLFormElement>("scenario-new").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!session().user && !tokenValue()) {
      status(t("err_token_missing"), true);
      token.focus();
      return;
    }
    const name = $<HTMLInputElement>("scenario-name");
    void guarded(async () => {
      const s = await api("POST", "/api/scenarios", { name: name.value.trim(), description: "" });
      name.value = "";
      await loadList(Number(s.id));
      await choose(Number(s.id));
    });
  });
  $("scenario-add").addEventListener("click", () => setPlacing(!placing));
  $("scenario-draw").addEventListener("click", () => setDrawing(drawing === null || drawingStreet));
  $("scenario-street").addEventListener("click", () => setDrawing(drawing === null || !drawingStreet, true));
  host.map.on("dblclick", (e) => {
    if (!drawing) return;
    e.preventDefault();
    finishDrawing();
  });
  // Keyboard placement: Enter (or Space) on the focused map drops the facility at the crosshair.
  host.map.getCanvasContainer().addEventListener("keydown", (e) => {
    if (!placing || (e.key !== "Enter" && e.key !== " ")) return;
    e.preventDefault();
    placeAt(host.map.getCenter());
  });
  $("scenario-show-change").addEventListener("change", () => drawChange());
  $<HTMLFormElement>("suggest-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runSuggest();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    // Closing the popup gives the focus back to what opened it (its "close" handler).
    if (popup?.isOpen()) popup.remove();
    if (placing) {
      setPlacing(false);
      placingOpener?.focus({ preventScroll: true });
    }
    if (drawing) {
      const street = drawingStreet;
      setDrawing(false);
      $(street ? "scenario-street" : "scenario-draw").focus({ preventScroll: true });
    }
  });
  for (const id of ["filter-department", "filter-status"]) $(id).addEventListener("change", () => fillPick(scenarioId));
  $<HTMLFormElement>("comment-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void sendComment();
  });
  $<HTMLFormElement>("compare-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void runCompare();
  });
  // Logging in or out changes what this caller may do: list, controls and the scenario again.
  onSession(() => {
    void loadList(scenarioId).then(() => (scenarioId !== null ? guarded(() => choose(scenarioId)) : render()));
  });
  void loadList(null);
  render();
}
