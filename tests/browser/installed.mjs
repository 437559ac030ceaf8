// Browser test of the installed binary: `spielraum` copied alone into an empty folder and
// started there (no web/dist beside it, no SPIELRAUM_WEB_DIR) serves the map it carries.
//
// Usage: node tests/browser/installed.mjs CITY.gpkg
//   SPIELRAUM_BIN=target/release/spielraum  binary to copy (default: the release build, else the debug one)
//   CHROMIUM=/usr/bin/chromium              browser executable
// Fails when `/` or `/embed` renders no features, on any 404 answer, on page errors, and on
// any request to another host. Screenshots go to test-artifacts/.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { artifacts, check, finish, isLocal, launchBrowser, openMap, rendered, root } from "./lib.mjs";

const city = process.argv[2] && resolve(process.argv[2]);
if (!city) {
  console.error("usage: node tests/browser/installed.mjs CITY.gpkg");
  process.exit(1);
}
const built = ["release", "debug"].map((p) => resolve(root, "target", p, "spielraum")).find(existsSync);
const bin = process.env.SPIELRAUM_BIN ?? built;

/** Copies the binary alone into a new folder and serves CITY from there: `{ url, stop }`. */
async function startInstalled() {
  const folder = mkdtempSync(join(tmpdir(), "spielraum-installed-"));
  const exe = join(folder, "spielraum");
  copyFileSync(bin, exe);
  const env = { ...process.env };
  delete env.SPIELRAUM_WEB_DIR;
  const child = spawn(exe, ["serve", city, "--addr", "127.0.0.1:0"], { cwd: folder, env, stdio: ["ignore", "inherit", "pipe"] });
  const stopped = new Promise((ok) => child.on("exit", ok));
  const url = await new Promise((ok, fail) => {
    let err = "";
    const timer = setTimeout(() => fail(new Error(`server did not start in 180 s: ${err}`)), 180000);
    child.stderr.on("data", (d) => {
      err += d;
      const m = /on (http:\/\/[^/\s]+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on("exit", (code) => fail(new Error(`server exited with ${code}: ${err}`)));
  });
  return {
    url,
    folder,
    stop: async () => {
      child.kill("SIGINT");
      await stopped;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

const server = await startInstalled();
const browser = await launchBrowser();
check(readdirSync(server.folder).join() === "spielraum", `the binary is alone in its folder (${readdirSync(server.folder)})`);

/** Opens `path`, recording every answer of 400 and above. */
async function open(path) {
  const failed = [];
  const prepare = (page) => page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  const opened = await openMap(browser, `${server.url}${path}`, { locale: "en-GB", allowed: isLocal, prepare });
  return { ...opened, failed };
}

try {
  const facilities = ["facilities-point", "facilities-area"];
  const map = await open("/");
  check((await rendered(map.page, ["neighbourhoods-fill"])) > 0, "/ renders neighbourhoods");
  check((await rendered(map.page, facilities)) > 0, "/ renders facilities");
  await map.page.screenshot({ path: resolve(artifacts, "installed-map.png") });
  check(map.failed.length === 0, `/: no 404 (${map.failed.join(", ")})`);
  check(map.errors.length === 0, `/: no page errors (${map.errors.join(" | ")})`);
  check(map.outside.length === 0, `/: no request leaves localhost (${map.outside.join(", ")})`);

  const embed = await open("/embed?layer=facilities&kind=playground&lang=en");
  check((await rendered(embed.page, facilities)) > 0, "/embed renders playgrounds");
  await embed.page.screenshot({ path: resolve(artifacts, "installed-embed.png") });
  check(embed.failed.length === 0, `/embed: no 404 (${embed.failed.join(", ")})`);
  check(embed.errors.length === 0, `/embed: no page errors (${embed.errors.join(" | ")})`);
  check(embed.outside.length === 0, `/embed: no request leaves localhost (${embed.outside.join(", ")})`);
} catch (err) {
  check(false, `test crashed: ${err.stack ?? err}`);
} finally {
  await browser.close();
  await server.stop();
}
finish();
