import { stemmer } from 'stemmer';
import { eng } from 'stopword';
/**
 * A lexical test embedder: a deterministic bag of hashed features, computed in
 * the test isolate without loading the Worker's 3 MB embedding table. Tests of
 * the vault object use it to hand-craft vectors whose similarity follows
 * shared words. (It was the Worker's offline default before the USE-lite table,
 * model id local-hash-v1; v2 fixed the damping of fractional weights.)
 *
 * The features:
 *
 * Text is lower-cased, stripped of accents and split into words. Each content
 * word is stemmed (Porter), so "named", "names" and "naming" meet, and hashed
 * into one of `dimensions` buckets with a pseudo-random sign (the hashing
 * trick). Character trigrams of each stem add some tolerance to spelling
 * variants and compounds, and stem bigrams reward shared phrases. A feature's
 * summed weight is damped (see `damp`) and the result is L2-normalised.
 * It cannot relate words that share no form ("car" and "automobile").
 */
export class HashedEmbedder {
  readonly model = 'local-hash-v2';

  constructor(readonly dimensions = 384) {}

  embedOne(text: string): Float32Array {
    const vector = new Float64Array(this.dimensions);
    const counts = new Map<string, number>();
    const add = (feature: string, weight: number) =>
      counts.set(feature, (counts.get(feature) ?? 0) + weight);

    const words = tokenize(text);
    const content = words.filter((word) => !STOPWORDS.has(word));
    // A text made only of stopwords ("who are you?") still deserves a direction.
    const stems = (content.length > 0 ? content : words).map((word) => stemmer(word));

    for (const stem of stems) {
      add(`w:${stem}`, 1);
      const padded = `#${stem}#`;
      for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.25);
    }
    for (let i = 0; i + 1 < stems.length; i++) add(`b:${stems[i]} ${stems[i + 1]}`, 0.5);
    if (counts.size === 0) {
      // No letters or digits at all (emoji, punctuation): hash the characters.
      for (const char of text.trim()) add(`c:${char}`, 1);
    }

    for (const [feature, weight] of counts) {
      const hash = fnv1a(feature, 0x811c9dc5);
      const sign = fnv1a(feature, 0x01000193) & 1 ? 1 : -1;
      const bucket = hash % this.dimensions;
      vector[bucket] = (vector[bucket] as number) + sign * damp(weight);
    }
    return unit(vector);
  }
}

const STOPWORDS = new Set(eng);

/**
 * Sublinear in repeats (1 + ln w from 1 up, as tf damping is), linear below 1
 * so that a fractional weight (a trigram's 0.25) always counts positively.
 * v1 used 1 + ln w throughout, which is negative below 1/e: the same trigram
 * seen once in a query and twice in a memory pulled them apart.
 */
export function damp(weight: number): number {
  return weight <= 1 ? weight : 1 + Math.log(weight);
}

function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** 32-bit FNV-1a over UTF-16 code units; fast, stable and good enough for bucketing. */
function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Final avalanche so that nearby strings spread across buckets.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  return hash >>> 0;
}

function unit(vector: Float64Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  for (let i = 0; i < vector.length; i++) out[i] = (vector[i] as number) / norm;
  return out;
}
