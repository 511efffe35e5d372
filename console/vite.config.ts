import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { sizeBudget } from './build/size-budget.ts';

// The console is built into ../assets/console and committed: the Worker serves
// ../assets as static assets, so /console/… never reaches the Worker's code.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // Build the client package from its TypeScript source (no prebuilt dist needed).
  resolve: { conditions: ['memoryrouter-source', ...defaultClientConditions] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../assets/console',
    emptyOutDir: true,
    target: 'es2022',
    // Reported (and enforced) by sizeBudget instead.
    reportCompressedSize: false,
  },
  // `vite` (hot reload) beside `npm start`: API calls go to the Worker.
  server: {
    proxy: { '/graphql': 'http://localhost:8787', '/v1': 'http://localhost:8787' },
  },
  plugins: [sizeBudget(150 * 1024)],
});
