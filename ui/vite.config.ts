import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Tauri embeds the built files (no dev server: the shell serves the same bundle in
// debug and release). `npx vite` alone is useful only for layout work.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or styles: the CSP allows 'self' only.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
});
