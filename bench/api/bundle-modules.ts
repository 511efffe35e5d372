/**
 * The bundle `wrangler dev` runs (the newest under .wrangler/tmp), to name
 * the source module a line of it belongs to: esbuild marks each module of
 * the bundle with a `// path` comment, so no source map is needed. Lines
 * count from 0 (the inspector's); packages are named by package.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function bundleModules(): Promise<(line: number) => string> {
  const root = '.wrangler/tmp';
  const candidates: { path: string; time: number }[] = [];
  for (const dir of await readdir(root).catch(() => [])) {
    const path = join(root, dir, 'index.js');
    const info = await stat(path).catch(() => null);
    if (info) candidates.push({ path, time: info.mtimeMs });
  }
  candidates.sort((a, b) => b.time - a.time);
  if (!candidates[0]) return () => '?';
  const lines = (await readFile(candidates[0].path, 'utf8')).split('\n');
  const starts: { line: number; module: string }[] = [];
  lines.forEach((text, index) => {
    const match = /^\/\/ ((?:node_modules|src|\.\.\/)[^\s]*\.(?:m?js|ts|cjs))$/.exec(text);
    if (match) starts.push({ line: index, module: match[1]! });
  });
  return (line) => {
    let low = 0;
    let high = starts.length - 1;
    let found = '(wrapper)';
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (starts[mid]!.line <= line) {
        found = starts[mid]!.module;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
  };
}
