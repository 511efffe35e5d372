import type * as O200k from 'gpt-tokenizer/encoding/o200k_base';

type Encoding = typeof O200k;

let encoding: Promise<Encoding> | undefined;

/**
 * Memory tokens are counted with OpenAI's o200k_base encoding (the GPT-4o
 * family), via gpt-tokenizer: one fixed, public yardstick for billing whatever
 * model a memory is later shown to. The encoding's tables are large, so they
 * load on first use rather than when the Worker starts.
 */
export async function countTokens(text: string): Promise<number> {
  encoding ??= import('gpt-tokenizer/encoding/o200k_base');
  return (await encoding).countTokens(text);
}
