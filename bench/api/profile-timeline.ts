/**
 * `tsx bench/api/profile-timeline.ts FILE.cpuprofile [--from RE] [--to RE]`:
 * reads a profile `npm run bench:api:profile -- --save DIR` wrote and looks
 * at the TIMELINE, not the totals: in each request, what ran on the thread
 * between the last sample inside a Durable Object's module (`--from`, default
 * `src/durable/`: a vault read's ranking, hydration and answer) and the first
 * sample of the step that follows it (`--to`, a function name, default
 * `openUpstream`: the chat's provider fetch). It prints the mean wall time of
 * that span per request and what its samples were (idle, the garbage
 * collector, or the module on top of the stack), so work left on the thread
 * after a read answered shows up by name.
 */
import { readFile } from 'node:fs/promises';
import { hasFlag, textOption } from './options';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  module?: string;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (file === undefined) throw new Error('name a .cpuprofile written by bench:api:profile --save');
const FROM = new RegExp(textOption('from', '^src/durable/'));
const TO = new RegExp(textOption('to', '^openUpstream$'));
const TOP = Number(textOption('top', '20'));
/**
 * `--from-fn RE`: the span starts at the FIRST sample whose stack holds a
 * function of that name (e.g. `openUpstream`: the provider call's start)
 * instead of the last sample in `--from`'s modules.
 */
/**
 * `--abort RE`: a span that reaches a sample in these modules is dropped (it
 * ran into the next request, e.g. `^src/(embed|auth)/`).
 */
const ABORT = hasFlag('abort') ? new RegExp(textOption('abort', '')) : null;
const FROM_FN = hasFlag('from-fn') ? new RegExp(textOption('from-fn', '')) : null;

const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);
const stackOf = (id: number): Node[] => {
  const stack: Node[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
    stack.push(byId.get(at)!);
  return stack; // leaf first
};
const label = (leaf: Node): string => {
  const name = leaf.callFrame.functionName;
  if (name.startsWith('(')) return name;
  return `${name || '(anonymous)'} ${leaf.module ?? '?'}:${leaf.callFrame.lineNumber + 1}`;
};

// Per-sample: time (ms), whether inside FROM's modules, whether at TO, its label.
let now = 0;
const samples = profile.samples.map((id, index) => {
  now += (profile.timeDeltas[index] ?? 0) / 1000;
  const stack = stackOf(id);
  return {
    at: now,
    from:
      FROM_FN === null
        ? stack.some((node) => node.module !== undefined && FROM.test(node.module))
        : stack.some((node) => FROM_FN.test(node.callFrame.functionName)),
    abort:
      ABORT !== null && stack.some((node) => node.module !== undefined && ABORT.test(node.module)),
    to: stack.some((node) => TO.test(node.callFrame.functionName)),
    label: label(stack[0]!),
    module: stack[0]!.callFrame.functionName.startsWith('(')
      ? stack[0]!.callFrame.functionName
      : (stack[0]!.module ?? '?'),
  };
});

let lastFrom: number | null = null;
let spans = 0;
let dropped = 0;
let spanMs = 0;
const byLabel = new Map<string, number>();
const byModule = new Map<string, number>();
for (let i = 0; i < samples.length; i++) {
  const sample = samples[i]!;
  if (sample.abort && lastFrom !== null) {
    dropped++;
    lastFrom = null;
  }
  if (sample.from && !(FROM_FN !== null && lastFrom !== null)) lastFrom = i;
  else if (sample.to && lastFrom !== null) {
    spans++;
    spanMs += sample.at - samples[lastFrom]!.at;
    for (let j = lastFrom + 1; j < i; j++) {
      const between = samples[j]!;
      const dt = samples[j + 1]!.at - between.at;
      byLabel.set(between.label, (byLabel.get(between.label) ?? 0) + dt);
      byModule.set(between.module, (byModule.get(between.module) ?? 0) + dt);
    }
    lastFrom = null;
  }
}
const table = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([name, ms]) => `  ${(ms / spans).toFixed(3).padStart(7)} ms/span  ${name}`)
    .join('\n');
console.log(
  `${spans} spans from the ${FROM_FN === null ? `last ${FROM}` : `first ${FROM_FN}`} sample to the first ${TO}: ${(spanMs / Math.max(1, spans)).toFixed(3)} ms each (${dropped} dropped)`,
);
console.log(' by module (top of stack):');
console.log(table(byModule));
console.log(' by function:');
console.log(table(byLabel));
