import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served at /inspector, its files at /inspector/assets/. Everything the page loads is bundled here, so the browser
// asks no other host for anything (the server's Content-Security-Policy allows this origin only).
export default defineConfig({
  base: '/inspector/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
});
