import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

/**
 * Memory tokens are counted with OpenAI's o200k_base encoding (the GPT-4o
 * family), via gpt-tokenizer: one fixed, public yardstick for billing whatever
 * model a memory is later shown to.
 */
export function countTokens(text: string): number {
  return countO200k(text);
}
