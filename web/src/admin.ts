// The admin page (`/admin`): the users of the workspace (role, disabling, adding one with an
// initial password), the audit log (newest 200 rows, the whole log as CSV) and personal access
// tokens (created and shown once, listed, revoked). Admins see all of it; another logged-in user
// only their own tokens; nobody logged in a plain message and the login.
import "./style.css";
import { type Json, type User, askLogin, errorText, loadMe, loginControl, onSession, request, roleName, session, when } from "./api";
import { el } from "./dom";
import { type Key, type Lang, initialLang, setLang, t } from "./i18n";

interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: unknown;
}
interface TokenInfo {
  id: number;
  login: string;
  name: string;
  created: string;
  revoked: string | boolean | null;
}

const ROLES = ["viewer", "editor", "admin"] as const;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let users: User[] = [];
let entries: AuditEntry[] = [];
let tokens: TokenInfo[] = [];
/** Scenario names by id, for the audit log's targets. */
const scenarioNames = new Map<string, string>();

function say(id: string, text: string, error = false): void {
  const p = $(id);
  p.textContent = text;
  p.className = error ? "error" : "muted";
}

/** Runs a request, its error in plain words in `statusId`. */
async function guarded(statusId: string, work: () => Promise<void>): Promise<boolean> {
  say(statusId, "");
  try {
    await work();
    return true;
  } catch (e) {
    say(statusId, errorText(e), true);
    return false;
  }
}

/** What the page shows this caller: a message, or the sections its role may use. */
async function load(): Promise<void> {
  const me = session();
  const message = $("admin-message");
  const admin = me.user?.role === "admin";
  $("users-section").hidden = !admin;
  $("audit-section").hidden = !admin;
  $("tokens-section").hidden = !me.user;
  message.replaceChildren();
  message.hidden = admin;
  if (!me.accounts) message.textContent = t("adminNoAccounts");
  else if (!me.user) {
    const b = el("button", { type: "button", class: "login-button", id: "admin-login" }, t("login"));
    b.addEventListener("click", () => void askLogin(false));
    message.append(el("span", {}, t("adminNeedLogin")), " ", b);
  } else if (!admin) message.textContent = t("adminNotAdmin");
  if (admin) await Promise.all([loadUsers(), loadAudit()]);
  if (me.user) await loadTokens();
}

async function loadUsers(): Promise<void> {
  await guarded("admin-status", async () => {
    users = ((await request("GET", "/api/users")).users as User[]) ?? [];
  });
  renderUsers();
}

function renderUsers(): void {
  const body = $("users-table").querySelector("tbody")!;
  body.replaceChildren();
  for (const u of users) {
    const tr = el("tr", { "data-login": u.login, "data-role": u.role, "data-disabled": String(u.disabled) });
    const roleSel = el("select", { "aria-label": t("roleOf", { login: u.login }), class: "role" });
    for (const r of ROLES) roleSel.append(el("option", { value: r }, roleName(r)));
    roleSel.value = u.role;
    roleSel.addEventListener("change", () => void patchUser(u.login, { role: roleSel.value }));
    const roleTd = el("td");
    roleTd.append(roleSel);
    const toggle = el("button", { type: "button", class: "toggle-disabled", "aria-label": t(u.disabled ? "enableUser" : "disableUser", { login: u.login }) }, t(u.disabled ? "enable" : "disable"));
    toggle.addEventListener("click", () => void patchUser(u.login, { disabled: !u.disabled }));
    const act = el("td");
    act.append(toggle);
    tr.append(el("th", { scope: "row" }, u.login), el("td", {}, u.display_name), el("td", {}, u.department), roleTd, el("td", { class: "disabled" }, t(u.disabled ? "yes" : "no")), act);
    body.append(tr);
  }
}

async function patchUser(login: string, change: Json): Promise<void> {
  const ok = await guarded("admin-status", async () => {
    await request("PATCH", `/api/users/${encodeURIComponent(login)}`, change);
  });
  if (ok) say("admin-status", t("saved"));
  await Promise.all([loadUsers(), loadAudit()]);
}

async function addUser(): Promise<void> {
  const v = (id: string) => $<HTMLInputElement>(id).value;
  const ok = await guarded("user-form-status", async () => {
    const u = (await request("POST", "/api/users", {
      login: v("new-login").trim(),
      display_name: v("new-name").trim(),
      department: v("new-department").trim(),
      role: $<HTMLSelectElement>("new-role").value,
      password: v("new-password"),
    })) as unknown as User;
    say("user-form-status", t("userAdded", { login: u.login }));
  });
  // The password never stays in the form.
  $<HTMLInputElement>("new-password").value = "";
  if (ok) {
    $<HTMLFormElement>("user-form").reset();
    await Promise.all([loadUsers(), loadAudit()]);
  }
}

async function loadAudit(): Promise<void> {
  await guarded("admin-status", async () => {
    const [log, list] = await Promise.all([request("GET", "/api/audit?limit=200"), request("GET", "/api/scenarios").catch(() => ({ scenarios: [] }) as Json)]);
    entries = (log.entries as AuditEntry[]) ?? [];
    scenarioNames.clear();
    for (const x of (list.scenarios as { id: number; name: string }[]) ?? []) scenarioNames.set(String(x.id), x.name);
  });
  renderAudit();
}

/** An audit action in plain words ("Szenario angelegt"); an action this page does not know as it is. */
function actionText(a: string): string {
  const key = `act_${a.replace(/\./g, "_")}` as Key;
  return t(key) === key ? a : t(key);
}

/** A JSON detail (a string of JSON, or already parsed) as a value. */
function parsed(d: unknown): unknown {
  if (typeof d !== "string") return d;
  try {
    return JSON.parse(d);
  } catch {
    return d;
  }
}

/** A status, role, kind or access word in the UI language where the dictionary has it. */
function word(x: unknown): string {
  if (typeof x !== "string") return JSON.stringify(x);
  for (const prefix of ["status_", "role_", "kind_", "access_"]) {
    const key = `${prefix}${x}` as Key;
    if (t(key) !== key) return t(key);
  }
  return x;
}

/** An edit's summary of the log (`{"op", "kind", "name", "osm_id", …}`) in plain words. */
function editWords(e: Json): string {
  const op = String(e.op ?? "");
  const what = e.name ? `${word(e.kind)} „${String(e.name)}“` : e.kind ? word(e.kind) : String(e.osm_id ?? "");
  const key = `op_${op}` as Key;
  return t(key) === key ? JSON.stringify(e) : t(key, { what, access: word(e.access), area: String(e.area_m2 ?? "") });
}

/** The detail of an audit row in plain words: "Entwurf → vorgeschlagen", "Änderung 1: Neu: Spielplatz", a name; else its JSON. */
function detailText(d: unknown): string {
  const v = parsed(d);
  if (v === null || v === undefined || v === "") return "";
  if (typeof v !== "object" || Array.isArray(v)) return typeof v === "string" ? v : JSON.stringify(v);
  const o = v as Json;
  if (!Object.keys(o).length) return "";
  const parts: string[] = [];
  if (typeof o.comment_id === "number") parts.push(t("detailComment", { n: o.comment_id }));
  if (typeof o.position === "number") parts.push(t("commentEdit", { n: o.position + 1 }));
  const edit = (o.edit ?? (typeof o.before === "object" ? o.before : null)) as Json | null;
  if (edit && typeof edit === "object" && "op" in edit) parts.push(editWords(edit));
  else if ("before" in o && "after" in o && typeof o.after !== "object") parts.push(`${word(o.before) || "–"} → ${word(o.after) || "–"}`);
  else if (o.after && typeof o.after === "object" && "name" in (o.after as Json)) parts.push(`„${String((o.after as Json).name)}“`);
  else if (o.before && typeof o.before === "object" && "name" in (o.before as Json)) parts.push(`„${String((o.before as Json).name)}“`);
  return parts.length ? parts.join(" · ") : JSON.stringify(v);
}

/** What an audit row is about: "Szenario „Schulhof“", an account's login, a token. */
function targetText(target: string): string {
  const m = /^(scenario|token|user):(.+)$/.exec(target);
  if (!m) return target;
  if (m[1] === "scenario") {
    const name = scenarioNames.get(m[2]);
    return name ? t("targetScenarioNamed", { name, id: m[2] }) : t("targetScenario", { id: m[2] });
  }
  return m[1] === "token" ? t("targetToken", { id: m[2] }) : m[2];
}

function renderAudit(): void {
  const body = $("audit-table").querySelector("tbody")!;
  body.replaceChildren();
  if (!entries.length) {
    const tr = el("tr");
    tr.append(el("td", { colspan: "5", class: "muted" }, t("noEntries")));
    body.append(tr);
  }
  for (const e of entries) {
    const tr = el("tr", { "data-id": String(e.id), "data-actor": e.actor, "data-action": e.action, "data-target": e.target, "data-detail": typeof e.detail === "string" ? e.detail : JSON.stringify(e.detail ?? null) });
    const actor = e.actor === "machine-token" ? t("machineToken") : e.actor;
    const raw = typeof e.detail === "string" ? e.detail : JSON.stringify(e.detail ?? null);
    tr.append(el("td", {}, when(e.at)), el("td", {}, actor), el("td", {}, actionText(e.action)), el("td", { title: e.target }, targetText(e.target)), el("td", { class: "detail", title: raw }, detailText(e.detail)));
    body.append(tr);
  }
}

async function loadTokens(): Promise<void> {
  await guarded("admin-status", async () => {
    tokens = ((await request("GET", "/api/tokens")).tokens as TokenInfo[]) ?? [];
  });
  renderTokens();
}

function renderTokens(): void {
  const body = $("tokens-table").querySelector("tbody")!;
  body.replaceChildren();
  if (!tokens.length) {
    const tr = el("tr");
    tr.append(el("td", { colspan: "5", class: "muted" }, t("noTokens")));
    body.append(tr);
  }
  for (const k of tokens) {
    const tr = el("tr", { "data-id": String(k.id), "data-revoked": String(!!k.revoked) });
    const act = el("td");
    if (!k.revoked) {
      const b = el("button", { type: "button", class: "revoke", "aria-label": t("revokeToken", { name: k.name }) }, t("revoke"));
      b.addEventListener("click", () => void revoke(k.id));
      act.append(b);
    }
    const revoked = typeof k.revoked === "string" ? when(k.revoked) : t(k.revoked ? "yes" : "no");
    tr.append(el("th", { scope: "row" }, k.name), el("td", {}, k.login), el("td", {}, when(k.created)), el("td", {}, revoked), act);
    body.append(tr);
  }
}

async function createToken(): Promise<void> {
  const name = $<HTMLInputElement>("token-name");
  await guarded("admin-status", async () => {
    const v = await request("POST", "/api/tokens", { name: name.value.trim() });
    name.value = "";
    $("token-once").hidden = false;
    const field = $<HTMLInputElement>("token-value");
    field.value = String(v.token ?? "");
    $("token-copied").textContent = "";
    field.focus();
    field.select();
  });
  await loadTokens();
  if (session().user?.role === "admin") await loadAudit();
}

async function revoke(id: number): Promise<void> {
  await guarded("admin-status", async () => {
    await request("DELETE", `/api/tokens/${id}`);
  });
  await loadTokens();
  if (session().user?.role === "admin") await loadAudit();
}

async function copyToken(): Promise<void> {
  const field = $<HTMLInputElement>("token-value");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    $("token-copied").textContent = t("copied");
  } catch {
    $("token-copied").textContent = t("copyByHand");
  }
}

function fillRoles(): void {
  const sel = $<HTMLSelectElement>("new-role");
  const keep = sel.value || "viewer";
  sel.replaceChildren(...ROLES.map((r) => el("option", { value: r }, roleName(r))));
  sel.value = keep;
}

function applyLang(l: Lang): void {
  setLang(l);
  document.title = `Spielraum – ${t("adminTitle")}`;
  document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === l)));
  fillRoles();
  renderLogin();
  renderUsers();
  renderAudit();
  renderTokens();
  if (loaded) void load();
}

setLang(initialLang());
const renderLogin = loginControl($("account"), false);
/** Whether /api/me has answered (before that the page shows nothing of the caller). */
let loaded = false;
document.querySelectorAll<HTMLButtonElement>("[data-lang]").forEach((b) => b.addEventListener("click", () => applyLang(b.dataset.lang as Lang)));
$<HTMLFormElement>("user-form").addEventListener("submit", (e) => {
  e.preventDefault();
  void addUser();
});
$<HTMLFormElement>("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  void createToken();
});
$("token-copy").addEventListener("click", () => void copyToken());
onSession(() => {
  if (loaded) void load().then(() => (document.body.dataset.ready = "1"));
});
applyLang(initialLang());
void loadMe().then(async () => {
  loaded = true;
  await load();
  document.body.dataset.ready = "1";
});
