import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The admin serves dist/ (index.html, never cached; assets/ with hashed names, cached as immutable) under a CSP
// without inline scripts or styles: keep every script and style in files.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    // `npx vite` in apps/console during development: the API of a local `npm start`.
    proxy: { '/api': 'http://127.0.0.1:8080', '/.well-known': 'http://127.0.0.1:8080' },
  },
});
