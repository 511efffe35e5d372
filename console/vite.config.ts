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
  plugins: [sizeBudget(150 * 1024)],
});
