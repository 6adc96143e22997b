// Builds the renderer (root: this folder) to dist/renderer with relative
// asset paths, so the same files load from app://renderer (Electron) and from
// the web-mode server. CSS stays in files (no inline <style>) for the strict
// CSP. Run from the repository root (`npm run build`, or `vite build renderer`).
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [svelte()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets would become data: URLs; keep every asset a file ('self' in the CSP).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
