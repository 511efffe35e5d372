/**
 * The Workers AI text-embedding models this deployment can use, with the
 * facts of Cloudflare's model catalog that the embedder needs.
 */
export interface WorkersAiModel {
  /** The id passed to `env.AI.run`. */
  name: string;
  dimensions: number;
  /** Most texts one call accepts (the input schema's `maxItems`). */
  maxTextsPerCall: number;
  /** The model's longest input, in its own tokens. */
  maxInputTokens: number;
  /** Put before each search query (bge English v1.5 wants queries marked; passages not). */
  queryPrefix: string;
  /** Extra input fields: pooling, or truncation of over-long inputs. */
  options: Record<string, string | boolean>;
  /**
   * What a vault records. Carries what shapes the vectors beyond the model
   * (pooling, prefix) and a version to bump whenever that changes.
   */
  vectorsId: string;
}

const BGE_V15_QUERY_PREFIX = 'Represent this sentence for searching relevant passages: ';

function bgeEnglish(size: string, dimensions: number): WorkersAiModel {
  const name = `@cf/baai/bge-${size}-en-v1.5`;
  return {
    name,
    dimensions,
    maxTextsPerCall: 100,
    maxInputTokens: 512,
    queryPrefix: BGE_V15_QUERY_PREFIX,
    // The catalog recommends `cls` pooling (how the bge models were trained);
    // its vectors are not comparable with the default `mean` ones.
    options: { pooling: 'cls' },
    vectorsId: `${name}#cls@1`,
  };
}

export const WORKERS_AI_MODELS: readonly WorkersAiModel[] = [
  bgeEnglish('small', 384),
  bgeEnglish('base', 768),
  bgeEnglish('large', 1024),
  {
    name: '@cf/baai/bge-m3',
    dimensions: 1024,
    maxTextsPerCall: 100,
    maxInputTokens: 8192,
    // bge-m3 needs no instruction for retrieval queries.
    queryPrefix: '',
    // Without it an over-long input fails the whole call instead of being cut.
    options: { truncate_inputs: true },
    vectorsId: '@cf/baai/bge-m3@1',
  },
];

export const DEFAULT_WORKERS_AI_MODEL = '@cf/baai/bge-base-en-v1.5';

export function findWorkersAiModel(name: string): WorkersAiModel {
  const model = WORKERS_AI_MODELS.find((candidate) => candidate.name === name);
  if (model === undefined) {
    throw new Error(
      `configuration: EMBEDDING_MODEL must be one of ${WORKERS_AI_MODELS.map((m) => m.name).join(', ')}; got "${name}"`,
    );
  }
  return model;
}
