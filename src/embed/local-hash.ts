import { stemmer } from 'stemmer';
import { eng } from 'stopword';
import type { Embedder } from './embedder';

/**
 * The offline default embedder: a deterministic bag of hashed features.
 *
 * Text is lower-cased, stripped of accents and split into words. Each content
 * word is stemmed (Porter), so "named", "names" and "naming" meet, and hashed
 * into one of `dimensions` buckets with a pseudo-random sign (the hashing
 * trick). Character trigrams of each stem add some tolerance to spelling
 * variants and compounds, and stem bigrams reward shared phrases. Counts are
 * damped (1 + ln tf) and the result is L2-normalised.
 *
 * What it is good at: finding a memory from a query that shares words or word
 * forms with it, with no weights to download and identical vectors everywhere.
 * What it cannot do: relate words that share no form ("car" and "automobile",
 * "where do I live" and "my home is Lisbon"). Deployments that need real
 * semantic recall bind Workers AI (see README, "Embeddings").
 */
export class LocalHashEmbedder implements Embedder {
  readonly model = 'local-hash-v1';

  constructor(readonly dimensions = 384) {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

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
      vector[bucket] = (vector[bucket] as number) + sign * (1 + Math.log(weight));
    }
    return unit(vector);
  }
}

const STOPWORDS = new Set(eng);

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
