import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
/** The API server `npm run dev` starts; the SPA proxies to it so cookies stay same-origin. */
const api = process.env.PROVDATA_API_URL ?? 'http://127.0.0.1:8080';

// @vitejs/plugin-react is not a dependency: Vite 8's built-in oxc transform compiles TSX with the
// automatic React runtime (no Fast Refresh — a full reload on change is fine for this app).
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'react' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // maplibre-gl alone is ~1 MB minified; it is one cacheable chunk, so the default warning is noise.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/healthz': { target: api, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/healthz': { target: api, changeOrigin: false },
    },
  },
});
