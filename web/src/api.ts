// Talking to the server, shared by the planner map and the admin page: who is signed in
// (`/api/me`), logging in and out, every API request (the `X-CSRF-Token` header on each write of a
// cookie session; the edit key as a bearer token on a server without accounts), API errors by
// their code in plain words, and the login dialog and the login control of the top bar.
import { el } from "./dom";
import { lang, t, type Key } from "./i18n";

export type Json = Record<string, unknown>;
export type Role = "viewer" | "editor" | "admin";

/** An account as the API writes it (contract of issue 18). */
export interface User {
  id: number;
  login: string;
  display_name: string;
  department: string;
  role: Role;
  disabled: boolean;
  created: string;
  updated: string;
}

/** `GET /api/me`: the caller, the CSRF token of its session, and what the server offers. */
export interface Me {
  user: User | null;
  csrf: string | null;
  via: "session" | "token" | "machine" | null;
  /** Logging in is possible. */
  accounts: boolean;
  /** Reading needs a login. */
  private: boolean;
  editing: boolean;
  /** The address visitors reach the server at (`serve --public-url`), else null. */
  public_url: string | null;
}

/** A failed request: the server's machine `code`, the HTTP status, and `Retry-After` seconds if given. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly retryAfter: number | null = null,
  ) {
    super(code);
  }
}

/** "in 40 Sekunden", "in 3 Minuten", or "später" without a time. */
function waitText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds <= 0) return t("later");
  return seconds < 90 ? t("inSeconds", { n: Math.ceil(seconds) }) : t("inMinutes", { n: Math.ceil(seconds / 60) });
}

/** The user's sentence for an API error (never the server's English text). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === "login_limited") return t("err_login_limited", { when: waitText(e.retryAfter) });
    const key = `err_${e.code}` as Key;
    // An unknown code reads like "internal" (docs/interfaces.md, "Error codes"), with its status.
    return e.code === "unknown" || t(key) === key ? t("err_unknown", { status: e.status }) : t(key);
  }
  return t("err_offline");
}

const NOBODY: Me = { user: null, csrf: null, via: null, accounts: false, private: false, editing: false, public_url: null };
let me: Me = { ...NOBODY };
const listeners: (() => void)[] = [];

/** The caller as last read from `/api/me` (or set by logging in and out). */
export const session = (): Me => me;

/** Calls `f` whenever the signed-in user changes. */
export function onSession(f: () => void): void {
  listeners.push(f);
}

function changed(): void {
  for (const f of listeners) f();
}

const TOKEN_KEY = "spielraum.editToken";

/**
 * The edit key (machine token) typed in this tab; sent only while nobody is logged in (a login
 * replaces it). The server may have a machine token besides its accounts (`--edit-token-file`).
 */
export function editKey(): string {
  return me.user ? "" : (sessionStorage.getItem(TOKEN_KEY) ?? "").trim();
}

/** Keeps the edit key for this tab. */
export function setEditKey(v: string): void {
  sessionStorage.setItem(TOKEN_KEY, v.trim());
}

/** The role the caller writes with: its account's, the edit key's (editor), or null. */
export function role(): Role | null {
  if (me.user) return me.user.role;
  return editKey() ? "editor" : null;
}

/** Whether `r` is at least `need` (viewer < editor < admin). */
export function atLeast(r: Role | null, need: Role): boolean {
  const order: Role[] = ["viewer", "editor", "admin"];
  return r !== null && order.indexOf(r) >= order.indexOf(need);
}

/** Reads `/api/me` (a server without the route keeps no accounts). */
export async function loadMe(): Promise<Me> {
  try {
    const r = await fetch("/api/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
    const v = (await r.json().catch(() => ({}))) as Partial<Me>;
    me = r.ok
      ? {
          user: v.user ?? null,
          csrf: v.csrf ?? null,
          via: v.via ?? null,
          accounts: v.accounts === true,
          private: v.private === true,
          editing: v.editing === true,
          public_url: typeof v.public_url === "string" ? v.public_url : null,
        }
      : { ...NOBODY };
  } catch {
    me = { ...NOBODY };
  }
  changed();
  return me;
}

/** One API request; JSON in and out. Writes carry the session's CSRF token; an error throws [`ApiError`]. */
export async function request(method: string, path: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && me.csrf) headers["X-CSRF-Token"] = me.csrf;
  const key = editKey();
  // Sent on reads too: a server started with --private-scenarios asks for it there.
  if (key) headers.Authorization = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError("offline", 0);
  }
  const v = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) {
    const code = typeof v.code === "string" ? v.code : "unknown";
    const retry = res.headers.get("Retry-After");
    // The session ended (expired, revoked, the account disabled): show the page as logged out.
    if (code === "login_required" && me.user) void loadMe();
    throw new ApiError(code, res.status, retry === null ? null : Number(retry));
  }
  return v;
}

/** Logs in; the new session's CSRF token is kept for the writes. */
export async function logIn(login: string, password: string): Promise<User> {
  const v = await request("POST", "/api/login", { login, password });
  me = { ...me, user: v.user as User, csrf: String(v.csrf ?? ""), via: "session" };
  // The rest (editing, private) as the server now sees this caller.
  await loadMe();
  return v.user as User;
}

/** Logs out (the server revokes the session and clears the cookie). */
export async function logOut(): Promise<void> {
  try {
    await request("POST", "/api/logout", {});
  } finally {
    await loadMe();
  }
}

/** A time of the API (RFC 3339) in the UI language: "6. Dez. 2026, 11:05". */
export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang() === "de" ? "de-DE" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** The name of a role in the UI language. */
export const roleName = (r: string): string => (["viewer", "editor", "admin"].includes(r) ? t(`role_${r}` as Key) : r);

/** "Anna Berg (Jugendamt, Bearbeitung)". */
export function whoText(u: User): string {
  return u.department ? t("who", { name: u.display_name || u.login, department: u.department, role: roleName(u.role) }) : t("whoNoDept", { name: u.display_name || u.login, role: roleName(u.role) });
}

let dialog: HTMLDialogElement | null = null;

/**
 * Shows the login dialog; resolves true once logged in, false when cancelled. `required`: it
 * cannot be cancelled (a private workspace shows nothing before the login).
 */
export function askLogin(required = false): Promise<boolean> {
  dialog?.remove();
  const d = el("dialog", { id: "login-dialog", class: "login-dialog", "aria-labelledby": "login-title" });
  const form = el("form", { id: "login-form" });
  const name = el("input", { id: "login-name", name: "username", autocomplete: "username", required: "", maxlength: "200" });
  const pass = el("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: "" });
  const error = el("p", { id: "login-error", class: "error", role: "alert" });
  const submit = el("button", { type: "submit", class: "primary", id: "login-submit" }, t("login"));
  const cancel = el("button", { type: "button", class: "secondary", id: "login-cancel" }, t("cancel"));
  const field = (input: HTMLInputElement, label: Key) => {
    const f = el("label", { class: "field", for: input.id });
    f.append(el("span", {}, t(label)), input);
    return f;
  };
  form.append(el("h2", { id: "login-title" }, t("loginTitle")));
  if (required) form.append(el("p", { class: "small" }, t("loginPrivate")));
  form.append(field(name, "loginName"), field(pass, "password"), error, submit);
  if (!required) form.append(cancel);
  d.append(form);
  document.body.append(d);
  dialog = d;
  return new Promise((resolve) => {
    let done = false;
    const end = (ok: boolean) => {
      if (done) return;
      done = true;
      d.close();
      d.remove();
      dialog = null;
      resolve(ok);
    };
    d.addEventListener("cancel", (e) => {
      e.preventDefault();
      if (!required) end(false);
    });
    cancel.addEventListener("click", () => end(false));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      error.textContent = "";
      submit.disabled = true;
      logIn(name.value.trim(), pass.value)
        .then(() => end(true))
        .catch((err: unknown) => {
          error.textContent = errorText(err);
          pass.value = "";
          pass.focus();
        })
        .finally(() => (submit.disabled = false));
    });
    d.showModal();
    name.focus();
  });
}

/**
 * The top bar's login control: "Anmelden", or "Name (Abteilung, Rolle)" with "Abmelden" and a
 * link to the admin page; nothing on a server without accounts. Re-renders on every change of
 * the session; call the returned function after a change of language.
 */
export function loginControl(box: HTMLElement, withAdminLink = true): () => void {
  const render = () => {
    box.replaceChildren();
    box.hidden = !me.accounts;
    if (!me.accounts) return;
    if (me.user) {
      box.append(el("span", { id: "who", class: "who", "data-login": me.user.login }, whoText(me.user)));
      if (withAdminLink) box.append(el("a", { href: "/admin", id: "admin-link", class: "link" }, t(me.user.role === "admin" ? "adminLink" : "tokensLink")));
      const out = el("button", { type: "button", id: "logout-button", class: "link" }, t("logout"));
      // The focus stays in the top bar: on "Anmelden" once logged out.
      out.addEventListener("click", () => void logOut().catch(() => undefined).then(() => document.getElementById("login-button")?.focus()));
      box.append(out);
    } else {
      const b = el("button", { type: "button", id: "login-button", class: "login-button" }, t("login"));
      // After the dialog the focus returns to the top bar: "Abmelden" once logged in, else this button.
      b.addEventListener("click", () => void askLogin(false).then((ok) => (ok ? document.getElementById("logout-button")?.focus() : b.focus())));
      box.append(b);
    }
  };
  onSession(render);
  render();
  return render;
}
