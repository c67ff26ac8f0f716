// Builds the operations console into console/dist, served by the API at /console
// (src/platform/http/console.ts). Run from the repository root: `npm run build:console`.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev:console` proxies API calls to a local Bazaar (`npm run dev`, port 3000).
const api = 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 700 },
  server: { proxy: { '/admin': api, '/store': api } },
});
