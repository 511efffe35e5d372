import type * as O200k from 'gpt-tokenizer/encoding/o200k_base';

type Encoding = typeof O200k;

let encoding: Promise<Encoding> | undefined;

/**
 * A memory is plain text: "<|endoftext|>" in it is counted as the characters
 * it is, like any other text. gpt-tokenizer's default refuses text that spells
 * a special token (it throws), which made such a memory impossible to store
 * or to show in a chat. Text without such a string counts exactly as before.
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Memory tokens are counted with OpenAI's o200k_base encoding (the GPT-4o
 * family), via gpt-tokenizer: one fixed, public yardstick for billing whatever
 * model a memory is later shown to. The encoding's tables are large, so they
 * load on first use rather than when the Worker starts.
 */
export async function countTokens(text: string): Promise<number> {
  return (await tokenCounter())(text);
}

/**
 * `countTokens` as a plain function, once the encoding is loaded: a batch
 * waits once and then counts every text in one synchronous loop, so the
 * time a caller measures around that loop is the counting's own.
 */
export async function tokenCounter(): Promise<(text: string) => number> {
  encoding ??= import('gpt-tokenizer/encoding/o200k_base');
  const loaded = await encoding;
  return (text) => loaded.countTokens(text, PLAIN_TEXT);
}
