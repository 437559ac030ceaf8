// Vite build of the pages (planner map, embed, static export page, admin page, and the table
// alternative to the map, served and exported); the dev server proxies the API to
// a running `spielraum serve` on 127.0.0.1:8080.
import { defineConfig } from "vite";

const api = "http://127.0.0.1:8080";

export default defineConfig({
  // Relative asset URLs, so the static export works under any path of any host.
  base: "./",
  build: {
    outDir: "dist",
    chunkSizeWarningLimit: 1500,
    rollupOptions: { input: { main: "index.html", embed: "embed.html", static: "static.html", admin: "admin.html", table: "table.html", "static-table": "static-table.html" } },
  },
  server: {
    proxy: { "/api": api, "/tiles": api, "/style.json": api, "/health": api },
  },
});
