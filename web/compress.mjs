// After `vite build`: writes a gzip (level 9) and a brotli (quality 11) copy beside every text
// file of dist/ of at least 1 KiB (`X.js.gz`, `X.js.br`) when it is smaller, so that `spielraum
// serve` and a static host (nginx `gzip_static`/`brotli_static`) send them precompressed.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const TEXT = /\.(js|css|html|json|svg|txt)$/;
let before = 0;
let after = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (TEXT.test(name)) {
      const bytes = readFileSync(path);
      if (bytes.length < 1024) continue;
      const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
      const gz = gzipSync(bytes, { level: 9 });
      if (gz.length < bytes.length) writeFileSync(`${path}.gz`, gz);
      if (br.length < bytes.length) writeFileSync(`${path}.br`, br);
      before += bytes.length;
      after += Math.min(br.length, bytes.length);
    }
  }
}
walk(new URL("./dist", import.meta.url).pathname);
console.log(`precompressed: ${(before / 1024).toFixed(0)} KiB of text, ${(after / 1024).toFixed(0)} KiB as brotli`);
