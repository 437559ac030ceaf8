// Browser test of the shared workspace of issue 18 in Debian's chromium (playwright-core), with a
// real `spielraum serve` on a real GeoPackage: accounts made with the CLI, a youth-office editor
// drafts and proposes a scenario, an admin comments and agrees, a viewer sees the agreed plan and
// cannot write (403), a user disabled with the CLI loses their session and token at once (401),
// and the audit log (admin page and `spielraum user audit --format csv`) shows every step with
// the right author. Also: the session cookie is HttpOnly and SameSite=Strict and not readable by
// the page, writes carry the CSRF header, filters, comparison side by side, tokens shown once.
//
// Usage: node tests/browser/workspace.mjs CITY.gpkg
//   Serves a COPY of CITY.gpkg (users and scenarios are written into it).
//   SPIELRAUM_BIN=target/release/spielraum  binary to start (default target/debug/spielraum)
//   CHROMIUM=/usr/bin/chromium               browser executable
// Screenshots go to test-artifacts/workspace-*.png. Any request to a host other than localhost fails the test.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { artifacts, axe, check, finish, isLocal, launchBrowser, openMap, root, startServe } from "./lib.mjs";

const started = Date.now();
const bin = process.env.SPIELRAUM_BIN ?? resolve(root, "target/debug/spielraum");
const BANDS = ["age_0_5", "age_6_11", "age_12_17"];
const vaduz = [9.5209, 47.141];
const schaan = [9.5095, 47.1665];

// The UI dictionary, read from the source (an object literal) without running the app.
const src = readFileSync(resolve(root, "web/src/i18n.ts"), "utf8");
const literal = src.slice(src.indexOf("export const strings = ") + "export const strings = ".length, src.indexOf("} as const;") + 1);
const strings = new Function(`return ${literal}`)();
const de = strings.de;
// English texts of the dictionary as patterns ({vars} match anything), as tests/browser/planner.mjs checks them.
const english = Object.entries(strings.en)
  .filter(([k, v]) => v !== de[k] && v.replace(/\{\w+\}/g, "").trim().length > 2)
  .map(([k, v]) => [k, new RegExp(`^${v.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}/g, ".+?")}$`)]);
/** Visible texts of a German page (and its parts between " · ", ": ", brackets, commas) that are English texts of the dictionary. */
async function englishIn(page) {
  const visible = await page.evaluate(() => {
    const out = new Set();
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const s = n.textContent.trim();
      const e = n.parentElement;
      if (s && e && e.getClientRects().length && getComputedStyle(e).visibility !== "hidden" && !e.closest("textarea,script,style")) out.add(s);
    }
    document.querySelectorAll("[placeholder],[aria-label],[title]").forEach((e) => ["placeholder", "aria-label", "title"].forEach((a) => e.getAttribute(a) && out.add(e.getAttribute(a))));
    document.querySelectorAll("select option").forEach((o) => out.add(o.textContent.trim()));
    return [...out];
  });
  const parts = (s) => [s, ...s.split(/\s[·|→]\s|:\s|[()]|,\s/).map((x) => x.trim()).filter(Boolean)];
  return { count: visible.length, found: visible.flatMap((s) => parts(s).flatMap((x) => english.filter(([, re]) => re.test(x)).map(([k]) => `${k}: "${s}"`))) };
}
const fill = (s, vars) => Object.entries(vars).reduce((acc, [k, v]) => acc.replace(`{${k}}`, String(v)), s);

const city = process.argv[2] ?? process.env.SPIELRAUM_CITY;
if (!city) throw new Error("give CITY.gpkg as argument");
const dir = mkdtempSync(join(tmpdir(), "spielraum-workspace-"));
const gpkg = join(dir, "city.gpkg");
copyFileSync(city, gpkg);

/** The accounts, made with the CLI before the server starts (docs/workspace.md). */
const USERS = {
  editor: { login: "a.berg", name: "Anna Berg", department: "Jugendamt", role: "editor", password: "korrekt Pferd Batterie" },
  admin: { login: "k.wolf", name: "Katrin Wolf", department: "Stadtplanungsamt", role: "admin", password: "Heftklammer 4711 grün" },
  viewer: { login: "p.schmidt", name: "Paul Schmidt", department: "Schulverwaltungsamt", role: "viewer", password: "nur lesen, nie schreiben" },
};
const cli = (...args) => execFileSync(bin, args, { cwd: root, env: { ...process.env, SPIELRAUM_PASSWORD: "" } }).toString();
for (const u of Object.values(USERS)) {
  const file = join(dir, `${u.login}.pw`);
  writeFileSync(file, `${u.password}\n`);
  cli("user", "add", gpkg, u.login, "--name", u.name, "--department", u.department, "--role", u.role, "--password-file", file);
}

const server = await startServe(gpkg, [], { SPIELRAUM_EDIT_TOKEN: "" });
const browser = await launchBrowser();
const api = async (path, init) => {
  const r = await fetch(`${server.url}${path}`, init);
  const text = await r.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, body };
};
const open = async () => {
  const o = await openMap(browser, `${server.url}/?lang=de`, { locale: "de-DE", viewport: { width: 1400, height: 1000 }, allowed: isLocal });
  await o.page.waitForSelector("body[data-ready]", { timeout: 30000 });
  return o;
};
const settled = (page) => page.waitForFunction(() => window.spielraumMap.loaded() && window.spielraumMap.areTilesLoaded(), null, { timeout: 60000 });
/** Page errors apart from the browser's note on a refused request (the test makes some on purpose). */
const realErrors = (errors) => errors.filter((e) => !/Failed to load resource/.test(e));
const shot = (page, name) => page.screenshot({ path: resolve(artifacts, name) });
const whoOf = (u) => fill(de.who, { name: u.name, department: u.department, role: de[`role_${u.role}`] });

/** Logs in with the top bar's dialog; the answer of POST /api/login. */
async function logIn(page, u, password = u.password) {
  if (!(await page.isVisible("#login-dialog"))) await page.click("#login-button");
  await page.fill("#login-name", u.login);
  await page.fill("#login-password", password);
  const [r] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/login")), page.click("#login-submit")]);
  return r;
}

/** Clicks a lon/lat on the map while placing, and returns the answer of the stored edit. */
async function placeAt(page, id, c) {
  await page.evaluate((c) => window.spielraumMap.jumpTo({ center: c, zoom: 16 }), c);
  await settled(page);
  await page.click("#scenario-add");
  const p = await page.evaluate((c) => {
    const m = window.spielraumMap;
    const q = m.project(c);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + q.x, y: r.top + q.y };
  }, c);
  const [added] = await Promise.all([
    page.waitForResponse((r) => r.url().includes(`/api/scenarios/${id}/edits`) && r.request().method() === "POST", { timeout: 60000 }),
    page.mouse.click(p.x, p.y),
  ]);
  return added;
}

/** Creates a scenario with the panel's form; its id and the answer. */
async function create(page, name) {
  await page.fill("#scenario-name", name);
  const [r] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/scenarios") && r.request().method() === "POST"), page.click("#scenario-new button[type=submit]")]);
  const body = await r.json().catch(() => ({}));
  if (r.status() === 201) await page.waitForFunction((id) => document.getElementById("scenario-select").value === String(id) && document.getElementById("scenario-state"), body.id, { timeout: 15000 }).catch(() => {});
  return { r, body, id: body.id };
}

/** Chooses a stored scenario in the panel and waits for its status. */
async function choose(page, id) {
  await page.selectOption("#scenario-select", String(id));
  await page.waitForFunction((id) => document.getElementById("scenario-select").value === String(id) && document.getElementById("scenario-state"), id, { timeout: 15000 }).catch(() => {});
}

const stateOf = (page) => page.evaluate(() => ({ status: document.getElementById("scenario-state")?.dataset.status, text: document.getElementById("scenario-state")?.textContent }));

try {
  // --- 1. The youth-office editor logs in. ---
  const ed = await open();
  check(await ed.page.isVisible("#login-button"), "a server with accounts offers „Anmelden“ in the top bar");
  check((await ed.page.isVisible("#scenario-login-hint")) && (await ed.page.textContent("#scenario-login-hint")) === de.loginOrKey, "logged out, the panel points to the login (the server's edit key still works without one)");
  const wrong = await logIn(ed.page, USERS.editor, "falsches Passwort!");
  await ed.page.waitForFunction(() => document.getElementById("login-error")?.textContent, null, { timeout: 10000 }).catch(() => {});
  const wrongSaid = await ed.page.textContent("#login-error").catch(() => "");
  check(wrong.status() === 401 && wrongSaid === de.err_login_failed, `a wrong password reads „${wrongSaid}“ (${wrong.status()})`);
  const ok = await logIn(ed.page, USERS.editor);
  await ed.page.waitForSelector("#who", { timeout: 10000 }).catch(() => {});
  check(ok.status() === 200 && (await ed.page.textContent("#who").catch(() => "")) === whoOf(USERS.editor), `after login the top bar shows „${whoOf(USERS.editor)}“ (${ok.status()})`);
  check(await ed.page.isHidden("#scenario-token-step"), "logged in, nobody is asked for the edit key");
  const cookie = (await ed.context.cookies()).find((c) => c.name === "spielraum_session");
  check(cookie !== undefined && cookie.httpOnly === true && cookie.sameSite === "Strict", `the session cookie is HttpOnly and SameSite=Strict (${JSON.stringify(cookie && { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, path: cookie.path })})`);
  const docCookie = await ed.page.evaluate(() => document.cookie);
  check(!docCookie.includes("spielraum_session"), `document.cookie does not show the session ("${docCookie}")`);
  const edMe = await ed.page.evaluate(async () => (await fetch("/api/me")).json());
  check(edMe.user?.login === USERS.editor.login && edMe.via === "session" && edMe.accounts === true && typeof edMe.csrf === "string", `/api/me names the editor's session (${JSON.stringify({ login: edMe.user?.login, via: edMe.via })})`);

  // --- 2. Drafts a scenario, adds an edit, proposes it. ---
  const a = await create(ed.page, "Schulhof Vaduz öffnen");
  check(a.r.status() === 201 && a.r.request().headers()["x-csrf-token"] === edMe.csrf, `creating answers 201 and the write carried X-CSRF-Token (${a.r.status()})`);
  const st0 = await stateOf(ed.page);
  check(st0.status === "draft" && st0.text === de.status_draft, `the new scenario is a draft („${st0.text}“)`);
  await ed.page.waitForFunction(() => document.getElementById("scenario-department")?.textContent === "Jugendamt", null, { timeout: 10000 }).catch(() => {});
  check((await ed.page.textContent("#scenario-department").catch(() => "")) === "Jugendamt", "the new scenario carries the author's department (Jugendamt)");
  const added = await placeAt(ed.page, a.id, vaduz);
  check(added.status() === 201 && added.request().headers()["x-csrf-token"] === edMe.csrf, `adding a playground answers 201 with the CSRF header (${added.status()})`);
  await ed.page.waitForSelector('#scenario-edits .by[data-author="a.berg"]', { timeout: 20000 }).catch(() => {});
  const byLine = await ed.page.textContent('#scenario-edits .by[data-author="a.berg"]').catch(() => "");
  check(byLine.startsWith(fill(de.addedBy, { name: "Anna Berg" })), `the edit says who added it and when („${byLine}“)`);
  const [proposed] = await Promise.all([ed.page.waitForResponse((r) => r.url().endsWith(`/api/scenarios/${a.id}/status`)), ed.page.click("#scenario-propose")]);
  await ed.page.waitForFunction(() => document.getElementById("scenario-state")?.dataset.status === "proposed", null, { timeout: 10000 }).catch(() => {});
  const st1 = await stateOf(ed.page);
  check(proposed.status() === 200 && st1.text === de.status_proposed, `„Vorschlagen“ moves it to „${st1.text}“ (${proposed.status()})`);
  check((await ed.page.isHidden("#scenario-tools")) && (await ed.page.$$("#scenario-edits button")).length === 0, "a proposal takes no edits: placing tools and undo are gone");
  check((await ed.page.isVisible("#scenario-to-draft")) && !(await ed.page.$("#scenario-agree")), "the editor may take it back to draft, not agree to it");
  // A second scenario (a draft) to compare with.
  await ed.page.selectOption("#scenario-select", "");
  const b = await create(ed.page, "Spielplatz Schaan");
  const addedB = await placeAt(ed.page, b.id, schaan);
  check(b.r.status() === 201 && addedB.status() === 201, `a second draft with a playground (${b.r.status()} ${addedB.status()})`);
  // The parks department's plan: a draft's department can be changed.
  await ed.page.fill("#department-input", "Grünflächenamt");
  const [moved] = await Promise.all([ed.page.waitForResponse((r) => r.url().endsWith(`/api/scenarios/${b.id}`) && r.request().method() === "PATCH"), ed.page.click("#department-form button[type=submit]")]);
  await ed.page.waitForFunction(() => document.getElementById("scenario-department")?.textContent === "Grünflächenamt", null, { timeout: 10000 }).catch(() => {});
  check(moved.status() === 200 && (await ed.page.textContent("#scenario-department")) === "Grünflächenamt", `a draft's department can be changed (${moved.status()})`);
  const noCsrf = await ed.page.evaluate(async (id) => {
    const r = await fetch(`/api/scenarios/${id}/comments`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "ohne CSRF", position: null }) });
    return { status: r.status, code: (await r.json()).code };
  }, b.id);
  check(noCsrf.status === 403 && noCsrf.code === "csrf_failed", `a cookie write without X-CSRF-Token answers 403 csrf_failed (${JSON.stringify(noCsrf)})`);
  // The editor's own token, shown once on the admin page.
  const edAdmin = await ed.context.newPage();
  await edAdmin.goto(`${server.url}/admin?lang=de`);
  await edAdmin.waitForSelector("body[data-ready]", { timeout: 15000 });
  check((await edAdmin.textContent("#admin-message")) === de.adminNotAdmin && (await edAdmin.isHidden("#users-section")) && (await edAdmin.isHidden("#audit-section")), "an editor on /admin sees a plain message, no users and no audit log");
  await edAdmin.fill("#token-name", "Nachtexport");
  const [tok] = await Promise.all([edAdmin.waitForResponse((r) => r.url().endsWith("/api/tokens") && r.request().method() === "POST"), edAdmin.click("#token-form button[type=submit]")]);
  await edAdmin.waitForSelector("#token-once:not([hidden])", { timeout: 10000 }).catch(() => {});
  const token = await edAdmin.inputValue("#token-value").catch(() => "");
  check(tok.status() === 201 && token.length > 20 && (await edAdmin.textContent("#token-once-label")) === de.tokenShown, `a personal token is shown once with the copy hint (${tok.status()})`);
  const tokenMe = await api("/api/me", { headers: { Authorization: `Bearer ${token}` } });
  check(tokenMe.body.user?.login === USERS.editor.login && tokenMe.body.via === "token", `the token acts as its user (${JSON.stringify({ status: tokenMe.status, login: tokenMe.body.user?.login, via: tokenMe.body.via })})`);
  check((await edAdmin.$$("#tokens-table tbody tr[data-id]")).length === 1, "the token is listed (never the token itself)");
  check(realErrors(ed.errors).length === 0 && ed.outside.length === 0, `editor: no page errors, no request leaves localhost (${realErrors(ed.errors).join(" | ")} ${ed.outside.join(", ")})`);
  await shot(ed.page, "workspace-editor.png");

  // --- 3. The admin logs in, comments and agrees. ---
  const ad = await open();
  const adLogin = await logIn(ad.page, USERS.admin);
  await ad.page.waitForSelector("#who", { timeout: 10000 }).catch(() => {});
  check(adLogin.status() === 200 && (await ad.page.textContent("#who")) === whoOf(USERS.admin), `the admin is logged in („${await ad.page.textContent("#who").catch(() => "")}“)`);
  await choose(ad.page, a.id);
  check((await stateOf(ad.page)).status === "proposed" && (await ad.page.isVisible("#scenario-agree")) && (await ad.page.isVisible("#scenario-reject")), "the admin sees the proposal with „Beschließen“ and „Ablehnen“");
  const text = "Passt zum Schulentwicklungsplan. <b>Bitte</b> Zaun prüfen & Öffnungszeiten klären.";
  await ad.page.fill("#comment-text", text);
  await ad.page.selectOption("#comment-about", "0");
  const [commented] = await Promise.all([ad.page.waitForResponse((r) => r.url().endsWith(`/api/scenarios/${a.id}/comments`) && r.request().method() === "POST"), ad.page.click("#comment-form button[type=submit]")]);
  await ad.page.waitForSelector('#scenario-comments li.comment[data-author="k.wolf"]', { timeout: 10000 }).catch(() => {});
  const shown = await ad.page.evaluate(() => {
    const li = document.querySelector('#scenario-comments li.comment[data-author="k.wolf"]');
    return li && { text: li.querySelector(".text")?.textContent, markup: li.querySelectorAll("b").length, meta: li.querySelector(".meta")?.textContent, position: li.dataset.position };
  });
  check(commented.status() === 201 && shown?.text === text && shown.markup === 0, `the comment is stored and shown as plain text, never markup (${commented.status()} ${JSON.stringify(shown)})`);
  check(shown?.position === "0" && shown.meta.startsWith("Katrin Wolf, ") && shown.meta.includes(fill(de.commentOnEdit, { n: 1 })), `the comment names its author, time and edit („${shown?.meta}“)`);
  const [agreed] = await Promise.all([ad.page.waitForResponse((r) => r.url().endsWith(`/api/scenarios/${a.id}/status`)), ad.page.click("#scenario-agree")]);
  await ad.page.waitForFunction(() => document.getElementById("scenario-state")?.dataset.status === "agreed", null, { timeout: 10000 }).catch(() => {});
  check(agreed.status() === 200 && (await stateOf(ad.page)).text === de.status_agreed, `„Beschließen“ makes it „${(await stateOf(ad.page)).text}“ (${agreed.status()})`);
  check(realErrors(ad.errors).length === 0 && ad.outside.length === 0, `admin: no page errors, no request leaves localhost (${realErrors(ad.errors).join(" | ")})`);
  await shot(ad.page, "workspace-admin-map.png");

  // --- 4. The viewer sees the agreed plan, cannot edit, and the API says 403. ---
  const vi = await open();
  // By keyboard only: Enter on "Anmelden", type, Tab, type, Enter; the fields are labelled.
  await vi.page.focus("#login-button");
  await vi.page.keyboard.press("Enter");
  await vi.page.waitForSelector("#login-dialog", { timeout: 5000 }).catch(() => {});
  const labels = await vi.page.evaluate(() => ["login-name", "login-password"].map((id) => document.getElementById(id)?.labels?.[0]?.textContent.trim()));
  check(await vi.page.evaluate(() => document.activeElement?.id === "login-name"), "the login dialog opens with the focus on the login name");
  check(JSON.stringify(labels) === JSON.stringify([de.loginName, de.password]), `the login fields are labelled (${labels})`);
  await axe(vi.page, "login-dialog-de");
  // Escape closes the dialog and gives the focus back to „Anmelden“; Enter opens it again.
  await vi.page.keyboard.press("Escape");
  await vi.page.waitForFunction(() => !document.querySelector("#login-dialog[open]"), null, { timeout: 5000 }).catch(() => {});
  check((await vi.page.$("#login-dialog[open]")) === null && (await vi.page.evaluate(() => document.activeElement?.id)) === "login-button", "Escape closes the login dialog and returns the focus to „Anmelden“");
  await vi.page.keyboard.press("Enter");
  await vi.page.waitForSelector("#login-dialog[open]", { timeout: 5000 }).catch(() => {});
  await vi.page.waitForFunction(() => document.activeElement?.id === "login-name", null, { timeout: 5000 }).catch(() => {});
  await vi.page.keyboard.type(USERS.viewer.login);
  await vi.page.keyboard.press("Tab");
  await vi.page.keyboard.type(USERS.viewer.password);
  await Promise.all([vi.page.waitForResponse((r) => r.url().endsWith("/api/login")), vi.page.keyboard.press("Enter")]);
  await vi.page.waitForSelector("#who", { timeout: 10000 }).catch(() => {});
  check((await vi.page.textContent("#who").catch(() => "")) === whoOf(USERS.viewer), "the viewer logs in by keyboard");
  check(await vi.page.evaluate(() => document.activeElement?.id === "logout-button"), "after the login the focus is on „Abmelden“ in the top bar");
  // Filters of the list: by status and by department.
  const options = () => vi.page.$$eval("#scenario-select option", (os) => os.map((o) => o.value).filter((v) => v));
  await vi.page.selectOption("#filter-status", "agreed");
  const agreedOnly = await options();
  await vi.page.selectOption("#filter-status", "draft");
  const draftsOnly = await options();
  await vi.page.selectOption("#filter-status", "");
  const departments = await vi.page.$$eval("#filter-department option", (os) => os.map((o) => o.value).filter((v) => v));
  await vi.page.selectOption("#filter-department", "Jugendamt");
  const youthOffice = await options();
  await vi.page.selectOption("#filter-department", "Grünflächenamt");
  const parks = await options();
  await vi.page.selectOption("#filter-department", "");
  check(JSON.stringify(agreedOnly) === JSON.stringify([String(a.id)]) && JSON.stringify(draftsOnly) === JSON.stringify([String(b.id)]), `the status filter lists the agreed plan and the draft apart (${agreedOnly} / ${draftsOnly})`);
  check(JSON.stringify(departments) === JSON.stringify(["Grünflächenamt", "Jugendamt"]) && JSON.stringify(youthOffice) === JSON.stringify([String(a.id)]) && JSON.stringify(parks) === JSON.stringify([String(b.id)]), `the department filter offers both departments and lists each one's scenario (${departments}; ${youthOffice}; ${parks})`);
  await choose(vi.page, a.id);
  const vst = await stateOf(vi.page);
  const author = await vi.page.evaluate(() => ({ login: document.getElementById("scenario-author")?.dataset.author, text: document.getElementById("scenario-author")?.textContent }));
  check(vst.status === "agreed" && vst.text === de.status_agreed && author.login === "a.berg" && author.text?.startsWith("Anna Berg"), `the viewer sees the plan „${vst.text}“ by „${author.text}“`);
  const controls = await vi.page.evaluate(() => ({
    create: !document.getElementById("scenario-edit-rows").hidden,
    tools: !document.getElementById("scenario-tools").hidden,
    undo: document.querySelectorAll("#scenario-edits button").length,
    moves: document.querySelectorAll("#scenario-info .moves button").length,
    commentForm: !document.getElementById("comment-form").hidden,
    says: document.getElementById("scenario-readonly").textContent,
  }));
  check(!controls.create && !controls.tools && controls.undo === 0 && controls.moves === 0 && !controls.commentForm && controls.says === de.viewerHint, `the viewer has no edit controls (${JSON.stringify(controls)})`);
  check((await vi.page.$('#scenario-comments li.comment[data-author="k.wolf"]')) !== null, "the viewer reads the admin's comment");
  const writes = await vi.page.evaluate(async (id) => {
    const me = await (await fetch("/api/me")).json();
    const post = async (path, body) => {
      const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf }, body: JSON.stringify(body) });
      return { status: r.status, code: (await r.json().catch(() => ({}))).code };
    };
    return { create: await post("/api/scenarios", { name: "Darf nicht sein", description: "" }), status: await post(`/api/scenarios/${id}/status`, { status: "draft" }), comment: await post(`/api/scenarios/${id}/comments`, { text: "Darf nicht sein", position: null }) };
  }, a.id);
  check(Object.values(writes).every((w) => w.status === 403), `the viewer's direct API writes with its CSRF token answer 403 (${JSON.stringify(writes)})`);
  // Two proposals side by side: the per-band figures of each one's comparison.
  await vi.page.selectOption("#compare-a", String(a.id));
  await vi.page.selectOption("#compare-b", String(b.id));
  await vi.page.click("#compare-form button[type=submit]");
  await vi.page.waitForSelector("#compare-table", { timeout: 30000 }).catch(() => {});
  const cells = await vi.page.$$eval("#compare-table td[data-band]", (tds) => tds.map((td) => ({ band: td.dataset.band, what: td.dataset.what, value: Number(td.dataset.value), col: td.cellIndex })));
  const [ca, cb] = [(await api(`/api/scenarios/${a.id}/compare`)).body, (await api(`/api/scenarios/${b.id}/compare`)).body];
  const expect = (c, band, what) => (what === "gained" ? c.totals?.gained?.[band] : what === "lost" ? c.totals?.lost?.[band] : c.totals?.change?.[`served_children_${band}`]);
  const wrongCells = cells.filter((x) => Math.abs(x.value - expect(x.col === 1 ? ca : cb, x.band, x.what)) > 1e-9);
  check(cells.length === BANDS.length * 3 * 2 && wrongCells.length === 0, `the comparison shows gained, lost and net per band for both scenarios as /api/scenarios/{id}/compare answers (${cells.length} cells; ${JSON.stringify(wrongCells.slice(0, 3))})`);
  check(expect(ca, "age_0_5", "gained") !== expect(cb, "age_0_5", "gained") || expect(ca, "age_6_11", "gained") !== expect(cb, "age_6_11", "gained"), "the two columns differ (two different plans)");
  const viEnglish = await englishIn(vi.page);
  check(viEnglish.count > 100 && viEnglish.found.length === 0, `no English dictionary text in the viewer's German map: status, author, comments, comparison (${viEnglish.count} strings; ${viEnglish.found.slice(0, 5).join(" | ")})`);
  check(realErrors(vi.errors).length === 0 && vi.outside.length === 0, `viewer: no page errors, no request leaves localhost (${realErrors(vi.errors).join(" | ")})`);
  await shot(vi.page, "workspace-viewer.png");

  // --- 5. The editor is disabled with the CLI while logged in: the next write answers 401. ---
  cli("user", "disable", gpkg, USERS.editor.login);
  await ed.page.bringToFront();
  await ed.page.selectOption("#scenario-select", "");
  await ed.page.fill("#scenario-name", "Nach der Sperre");
  const [refused] = await Promise.all([ed.page.waitForResponse((r) => r.url().endsWith("/api/scenarios") && r.request().method() === "POST"), ed.page.click("#scenario-new button[type=submit]")]);
  const refusedBody = await refused.json().catch(() => ({}));
  await ed.page.waitForFunction(() => document.getElementById("scenario-status").className === "error", null, { timeout: 10000 }).catch(() => {});
  check(refused.status() === 401 && refusedBody.code === "login_required", `the disabled editor's next write answers 401 login_required (${refused.status()} ${JSON.stringify(refusedBody)})`);
  check((await ed.page.textContent("#scenario-status")) === de.err_login_required, `and the page says so in plain words („${await ed.page.textContent("#scenario-status")}“)`);
  await ed.page.waitForSelector("#login-button", { timeout: 10000 }).catch(() => {});
  check(await ed.page.isVisible("#login-button"), "the page shows the editor as logged out");
  const tokenAfter = await api(`/api/scenarios/${b.id}/comments`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify({ text: "mit Schlüssel", position: null }) });
  // Disabling revokes the user's tokens (docs/workspace.md): the server answers a revoked token as no token (403 token_wrong).
  const tokenMeAfter = await api("/api/me", { headers: { Authorization: `Bearer ${token}` } });
  check(
    ((tokenAfter.status === 401 && tokenAfter.body.code === "login_required") || (tokenAfter.status === 403 && tokenAfter.body.code === "token_wrong")) && tokenMeAfter.body.user?.login !== USERS.editor.login,
    `the disabled editor's token stops at once: a write is refused and /api/me no longer names her (${tokenAfter.status} ${tokenAfter.body.code}; me: ${tokenMeAfter.status} ${tokenMeAfter.body.user?.login ?? null})`,
  );

  // --- 6. The audit log: admin page and the CLI show every step with its author. ---
  const adm = await ad.context.newPage();
  await adm.goto(`${server.url}/admin?lang=de`);
  await adm.waitForSelector("body[data-ready]", { timeout: 15000 });
  await adm.waitForSelector("#audit-table tbody tr[data-action]", { timeout: 15000 }).catch(() => {});
  await axe(adm, "admin-de");
  const rows = await adm.$$eval("#audit-table tbody tr[data-action]", (trs) => trs.map((tr) => ({ id: Number(tr.dataset.id), actor: tr.dataset.actor, action: tr.dataset.action, target: tr.dataset.target, detail: tr.dataset.detail, shown: tr.textContent })));
  const detailOf = (d) => {
    let v = d;
    for (let i = 0; i < 2 && typeof v === "string"; i++) {
      try {
        v = JSON.parse(v);
      } catch {
        break;
      }
    }
    return v ?? {};
  };
  const steps = [
    ["a.berg", "scenario.create", a.id, () => true, "create"],
    ["a.berg", "scenario.add_edit", a.id, () => true, "edit"],
    ["a.berg", "scenario.set_status", a.id, (d) => d.after === "proposed", "status proposed"],
    ["k.wolf", "scenario.comment", a.id, () => true, "comment"],
    ["k.wolf", "scenario.set_status", a.id, (d) => d.after === "agreed", "status agreed"],
  ];
  const findStep = (list, [actor, action, id, ok]) => list.find((r) => r.actor === actor && r.action === action && r.target === `scenario:${id}` && ok(detailOf(r.detail)));
  const missing = steps.filter((s) => !findStep(rows, s)).map((s) => s[4]);
  check(rows.length > 0 && missing.length === 0, `the admin page's audit table shows create, edit, status proposed, comment, status agreed with their authors (missing: ${missing.join(", ") || "none"}; ${rows.length} rows)`);
  const order = steps.map((s) => findStep(rows, s)?.id ?? 0);
  check(rows.every((r, i) => i === 0 || rows[i - 1].id > r.id) && order.every((v, i) => i === 0 || order[i - 1] < v), `newest first, and the steps in the order they happened (${order})`);
  check(rows.some((r) => r.action === "user.disable" && r.target.includes("a.berg")), "the CLI's disabling is in the log too");
  const statusRow = findStep(rows, steps[4]);
  check(statusRow?.shown.includes(de.act_scenario_set_status) && statusRow.shown.includes(`${de.status_proposed} → ${de.status_agreed}`), `an audit row reads in plain words („${statusRow?.shown}“)`);
  check((await adm.getAttribute("#audit-csv", "href")) === "/api/audit.csv", "the audit table links the CSV download");
  const csvWeb = await adm.evaluate(async () => {
    const r = await fetch("/api/audit.csv");
    return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
  });
  check(csvWeb.status === 200 && /text\/csv/.test(csvWeb.type ?? "") && csvWeb.text.split("\n")[0].replace(/^\uFEFF/, "").startsWith("id,at,actor,action,target,detail"), `/api/audit.csv answers the log as CSV (${csvWeb.status} ${csvWeb.type})`);
  const csvCli = cli("user", "audit", gpkg, "--format", "csv");
  const parse = (text) => {
    // RFC 4180: quoted cells may hold commas, quotes and line breaks.
    const out = [];
    let row = [];
    let cell = "";
    let q = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (q) {
        if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
        else if (ch === '"') q = false;
        else cell += ch;
      } else if (ch === '"') q = true;
      else if (ch === ",") row.push(cell), (cell = "");
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        row.push(cell), out.push(row), (row = []), (cell = "");
      } else cell += ch;
    }
    if (cell !== "" || row.length) row.push(cell), out.push(row);
    const [head, ...rest] = out;
    return rest.filter((r) => r.length === head.length).map((r) => Object.fromEntries(head.map((h, i) => [h.replace(/^\uFEFF/, ""), r[i]])));
  };
  const cliRows = parse(csvCli).map((r) => ({ ...r, id: Number(r.id) }));
  const cliMissing = steps.filter((s) => !findStep(cliRows, s)).map((s) => s[4]);
  check(cliRows.length >= rows.length && cliMissing.length === 0, `\`spielraum user audit --format csv\` shows the same steps with their authors (missing: ${cliMissing.join(", ") || "none"}; ${cliRows.length} rows)`);
  const webRows = parse(csvWeb.text);
  check(webRows.length === cliRows.length, `the web CSV and the CLI's CSV hold the same rows (${webRows.length} vs ${cliRows.length})`);
  // Users table: three accounts, the editor disabled; an admin adds a user with an initial password.
  const users = await adm.$$eval("#users-table tbody tr[data-login]", (trs) => trs.map((tr) => ({ login: tr.dataset.login, role: tr.dataset.role, disabled: tr.dataset.disabled })));
  check(users.length === 3 && users.find((u) => u.login === "a.berg")?.disabled === "true" && users.find((u) => u.login === "p.schmidt")?.role === "viewer", `the users table lists the accounts, the editor disabled (${JSON.stringify(users)})`);
  await adm.fill("#new-login", "m.gruen");
  await adm.fill("#new-name", "Mia Grün");
  await adm.fill("#new-department", "Grünflächenamt");
  await adm.selectOption("#new-role", "editor");
  await adm.fill("#new-password", "Sandkasten und Rutsche");
  const [made] = await Promise.all([adm.waitForResponse((r) => r.url().endsWith("/api/users") && r.request().method() === "POST"), adm.click("#user-form button[type=submit]")]);
  await adm.waitForSelector('#users-table tr[data-login="m.gruen"]', { timeout: 10000 }).catch(() => {});
  check(made.status() === 201 && (await adm.$('#users-table tr[data-login="m.gruen"]')) !== null && (await adm.inputValue("#new-password")) === "", `adding a user answers 201, lists it, and clears the password field (${made.status()})`);
  const [roleSet] = await Promise.all([adm.waitForResponse((r) => r.url().endsWith("/api/users/p.schmidt") && r.request().method() === "PATCH"), adm.selectOption('#users-table tr[data-login="p.schmidt"] select.role', "editor")]);
  check(roleSet.status() === 200 && JSON.parse(cli("user", "list", gpkg, "--format", "json")).users?.find((u) => u.login === "p.schmidt")?.role === "editor", `changing a role in the table is stored (${roleSet.status()})`);
  await shot(adm, "workspace-admin-page.png");
  const admEnglish = await englishIn(adm);
  check(admEnglish.found.length === 0, `no English dictionary text on the German admin page (${admEnglish.count} strings; ${admEnglish.found.slice(0, 5).join(" | ")})`);
  const a11y = await adm.evaluate(() => {
    const unlabelled = [...document.querySelectorAll("input, select, textarea")].filter((e) => !e.labels?.length && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby")).map((e) => e.id || e.outerHTML.slice(0, 60));
    const headless = [...document.querySelectorAll("table")].filter((t) => !t.querySelector("thead th[scope=col]")).map((t) => t.id);
    return { unlabelled, headless };
  });
  // Keyboard: Tab from the top reaches a role choice and a disable button, and the focus is visible.
  await adm.evaluate(() => document.activeElement?.blur());
  const reached = new Set();
  let outlined = true;
  for (let i = 0; i < 40; i++) {
    await adm.keyboard.press("Tab");
    const f = await adm.evaluate(() => {
      const e = document.activeElement;
      const cs = e ? getComputedStyle(e) : null;
      return { what: e?.matches("select.role") ? "role" : e?.matches(".toggle-disabled") ? "toggle" : e?.tagName, outline: cs ? cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2 : false };
    });
    reached.add(f.what);
    if (f.what === "role" || f.what === "toggle") outlined &&= f.outline;
  }
  check(reached.has("role") && reached.has("toggle") && outlined, `Tab reaches the role choices and disable buttons with a visible focus ring (${[...reached]})`);
  check(a11y.unlabelled.length === 0 && a11y.headless.length === 0, `the admin page labels every field and gives every table column headers (${JSON.stringify(a11y)})`);
  // Nobody logged in: a plain message and the login, nothing else.
  const anon = await browser.newContext({ locale: "de-DE" });
  const ap = await anon.newPage();
  await ap.goto(`${server.url}/admin?lang=de`);
  await ap.waitForSelector("body[data-ready]", { timeout: 15000 });
  check((await ap.textContent("#admin-message")).includes(de.adminNeedLogin) && (await ap.isVisible("#admin-login")) && (await ap.isHidden("#users-section")) && (await ap.isHidden("#tokens-section")), "logged out, /admin shows a plain message and a login button only");
  await axe(ap, "admin-logged-out-de");
  // A private workspace (`serve --private`, a second server on the same file): the map asks for the login first.
  const priv = await startServe(gpkg, ["--private"], { SPIELRAUM_EDIT_TOKEN: "" });
  try {
    const pc = await browser.newContext({ locale: "de-DE", viewport: { width: 1200, height: 800 } });
    const pp = await pc.newPage();
    await pp.goto(`${priv.url}/?lang=de`);
    await pp.waitForSelector("#login-dialog", { timeout: 15000 }).catch(() => {});
    const before = await pp.evaluate(async () => (await fetch("/api/neighbourhoods")).status);
    check((await pp.isVisible("#login-dialog")) && !(await pp.$("#login-cancel")) && before === 401, `a private workspace shows the login dialog first, without "Abbrechen", and reads nothing before (${before})`);
    await logIn(pp, USERS.admin);
    const loaded = await pp
      .waitForFunction(() => window.spielraumMap && window.spielraumMap.loaded() && document.body.dataset.ready && document.getElementById("who"), null, { timeout: 60000 })
      .then(() => true, () => false);
    check(loaded && (await pp.textContent("#who")) === whoOf(USERS.admin), "after the login the private map loads with the user shown");
    await pc.close();
  } finally {
    await priv.stop();
  }
  // Too many wrong passwords: the dialog says when to try again (last: it may hold back this address).
  await ap.click("#admin-login");
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await logIn(ap, { login: "niemand" }, `falsch ${i}`);
    if (r.status() === 429) limited = r;
    else if (r.status() !== 401) break;
  }
  const retry = Number(limited?.headers()["retry-after"]);
  const wait = !Number.isFinite(retry) || retry <= 0 ? de.later : retry < 90 ? fill(de.inSeconds, { n: Math.ceil(retry) }) : fill(de.inMinutes, { n: Math.ceil(retry / 60) });
  await ap.waitForFunction(() => document.getElementById("login-error")?.textContent, null, { timeout: 5000 }).catch(() => {});
  const limitSaid = await ap.textContent("#login-error").catch(() => "");
  check(limited !== null && limitSaid === fill(de.err_login_limited, { when: wait }), `repeated wrong logins answer 429 and the dialog says when to try again („${limitSaid}“, Retry-After ${retry})`);
  await anon.close();
  check(Date.now() - started < 60000, `the whole test took under 60 s (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  check(false, `test crashed: ${err.stack ?? err}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
finish();
