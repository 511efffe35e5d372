import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/**
 * Prints the gzipped size of every JavaScript chunk and fails the build when
 * their total is over `budgetBytes`, so the console cannot grow past its
 * budget unnoticed.
 */
export function sizeBudget(budgetBytes: number): Plugin {
  return {
    name: 'memoryrouter-size-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      let total = 0;
      const lines: string[] = [];
      for (const item of Object.values(bundle)) {
        if (item.type !== 'chunk') continue;
        const gzipped = gzipSync(item.code, { level: 9 }).byteLength;
        total += gzipped;
        lines.push(`  ${item.fileName}: ${kib(gzipped)} gzipped`);
      }
      const verdict = `console JavaScript: ${kib(total)} gzipped (budget ${kib(budgetBytes)})`;
      this.info(['', ...lines, verdict].join('\n'));
      if (total > budgetBytes) this.error(`${verdict}: over budget`);
    },
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
