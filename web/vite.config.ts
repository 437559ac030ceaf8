// Vite build of the two pages (planner map and embed); the dev server proxies the API to
// a running `spielraum serve` on 127.0.0.1:8080.
import { defineConfig } from "vite";

const api = "http://127.0.0.1:8080";

export default defineConfig({
  build: {
    outDir: "dist",
    chunkSizeWarningLimit: 1500,
    rollupOptions: { input: { main: "index.html", embed: "embed.html" } },
  },
  server: {
    proxy: { "/api": api, "/tiles": api, "/style.json": api, "/health": api },
  },
});
