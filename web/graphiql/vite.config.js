import { defineConfig } from 'vite';

// The page is served at /graphql; its files at /graphiql/ (outside /graphql, which needs an API key).
// Everything the page loads is bundled here, so the browser asks no other host for anything.
export default defineConfig({
  base: '/graphiql/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 8192,
    sourcemap: false,
    rollupOptions: {
      // framer-motion (under GraphiQL) marks modules "use client", which means nothing outside React Server Components.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') {
          warn(warning);
        }
      },
    },
  },
  worker: {
    format: 'es',
  },
});
