import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * Written on every script and style tag and on `<meta property="csp-nonce">`; the server replaces it with
 * a fresh nonce on every response (`NONCE_PLACEHOLDER` in src/admin/admin.plugin.ts: keep them equal).
 */
const NONCE_PLACEHOLDER = '__CUSTODIAN_CSP_NONCE__'

/** The admin console: built into admin/dist, which the server serves at /admin (src/admin/admin.plugin.ts). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  publicDir: false,
  plugins: [react()],
  html: { cspNonce: NONCE_PLACEHOLDER },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No data: URIs: the page's CSP admits images and fonts from this origin only.
    assetsInlineLimit: 0,
    // One application bundle, loaded once and cached for good (its name is its hash): react-admin and
    // MUI make it about 1.5 MB before compression.
    chunkSizeWarningLimit: 2500,
  },
  // `npm run dev:admin`: the console with hot reload at http://localhost:5173/admin/, against the API
  // of `npm run dev` on port 3000.
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})
