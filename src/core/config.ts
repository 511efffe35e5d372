import {
  DEFAULT_MAX_CONTENT_BYTES,
  DEFAULT_VAULT_MAX_HOT_MIB,
  DEFAULT_VAULT_MAX_MEMORIES,
} from './limits';
import { readWindowList, WindowListError, type WindowQuery } from './window-list';

/** Deployment settings read from Worker variables, with the documented defaults. */
export interface AppConfig {
  /** Band lengths of the KRONOS windows, in milliseconds. */
  bands: { hot: number; working: number; longTerm: number };
  /** Hits per window when a request does not say. */
  defaultWindows: WindowQuery[];
  /** How long an EPHEMERAL vault lives after its last write. */
  ephemeralTtlMs: number;
  /** Most memories one vault accepts. */
  vaultMaxMemories: number;
  /** Most bytes of hot rows one vault keeps in memory (rows × hotRowBytes(dims), src/core/limits.ts). */
  vaultMaxHotBytes: number;
  /** Longest memory content accepted, in UTF-8 bytes. */
  maxContentBytes: number;
  /** Most tokens of memory block injected into one model call (a quarter of the model's context at most). */
  memoryTokenBudget: number;
  /** How long writes must settle before a vault snapshots itself to R2. */
  snapshotDelayMs: number;
  /** HYBRID search: weight of the vector side in the score fusion, 0–1 (text gets the rest). */
  hybridVectorWeight: number;
  /**
   * REEMBED: `auto` (default), a vault whose vectors are of another model than
   * the deployment's starts re-embedding at its first call; `admin`, only
   * when an admin asks (reembedVault), and such a vault refuses the new
   * model's vectors (EMBEDDING_MISMATCH) until then.
   */
  reembed: 'auto' | 'admin';
}

/**
 * The default HYBRID_VECTOR_WEIGHT (BENCHMARKS.md, "Recall"). With standout
 * fusion the vector side only speaks for memories that stand out from their
 * window, and below 0.5 the word matches keep text's order, so recall on
 * LoCoMo's dev split is flat from 0.1 to 0.4; 0.3 is the middle of the range
 * the study found best, and below 0.5 keeps an exact keyword match
 * above anything only the vectors found. `npm run
 * bench:recall` prints 0–0.5 in one run, to retune with another embedder.
 */
export const DEFAULT_HYBRID_VECTOR_WEIGHT = 0.3;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ConfigVars {
  KRONOS_HOT_HOURS?: string;
  KRONOS_WORKING_DAYS?: string;
  KRONOS_LONG_TERM_DAYS?: string;
  KRONOS_DEFAULT_HITS?: string;
  EPHEMERAL_TTL_HOURS?: string;
  VAULT_MAX_MEMORIES?: string;
  VAULT_MAX_HOT_MIB?: string;
  MAX_CONTENT_BYTES?: string;
  MEMORY_TOKEN_BUDGET?: string;
  SNAPSHOT_DELAY_SECONDS?: string;
  HYBRID_VECTOR_WEIGHT?: string;
  REEMBED?: string;
  /** Read by resolvers/standing-watch.ts (standingCheckMs): how often an open stream asks about its key. */
  STANDING_CHECK_MS?: string;
  /** Read by http/socket-window.ts (socketPingMs): a GraphQL WebSocket's ping interval and pong bound. */
  WEBSOCKET_PING_MS?: string;
}

function positiveNumber(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`configuration: ${name} must be a positive number`);
  }
  return value;
}

function unitInterval(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`configuration: ${name} must be a number from 0 to 1`);
  }
  return value;
}

/**
 * KRONOS_DEFAULT_HITS, `HOT:4,WORKING:4,LONG_TERM:4`, read as every window
 * list is (window-list.ts), so a default that a search would refuse (a
 * window twice, more hits than a window returns) stops the deployment at its
 * configuration check instead of failing every search that leaves windows out.
 * The problem names the rule broken and its reason, never the value.
 */
function readDefaultHits(raw: string | undefined): WindowQuery[] {
  if (raw === undefined || raw.trim() === '') {
    return [
      { window: 'HOT', limit: 4 },
      { window: 'WORKING', limit: 4 },
      { window: 'LONG_TERM', limit: 4 },
    ];
  }
  try {
    return readWindowList(raw, 'KRONOS_DEFAULT_HITS');
  } catch (error) {
    if (!(error instanceof WindowListError)) throw error;
    throw new Error(
      `configuration: KRONOS_DEFAULT_HITS ${error.rule} (${error.reason}), e.g. HOT:4,WORKING:4,LONG_TERM:4`,
    );
  }
}

/**
 * Reads the settings. A problem names the variable and what it expects, never
 * the value given: a secret pasted into the wrong variable would otherwise
 * come back in every 503 CONFIGURATION_ERROR and in the log.
 */
export function readConfig(vars: ConfigVars): AppConfig {
  const hot = positiveNumber(vars.KRONOS_HOT_HOURS, 4, 'KRONOS_HOT_HOURS') * HOUR;
  const working = positiveNumber(vars.KRONOS_WORKING_DAYS, 3, 'KRONOS_WORKING_DAYS') * DAY;
  const longTerm = positiveNumber(vars.KRONOS_LONG_TERM_DAYS, 90, 'KRONOS_LONG_TERM_DAYS') * DAY;
  if (!(hot < working && working < longTerm)) {
    throw new Error(
      'configuration: KRONOS_HOT_HOURS must span less time than KRONOS_WORKING_DAYS, and that less than KRONOS_LONG_TERM_DAYS',
    );
  }
  return {
    bands: { hot, working, longTerm },
    defaultWindows: readDefaultHits(vars.KRONOS_DEFAULT_HITS),
    ephemeralTtlMs: positiveNumber(vars.EPHEMERAL_TTL_HOURS, 24, 'EPHEMERAL_TTL_HOURS') * HOUR,
    vaultMaxMemories: Math.floor(
      positiveNumber(vars.VAULT_MAX_MEMORIES, DEFAULT_VAULT_MAX_MEMORIES, 'VAULT_MAX_MEMORIES'),
    ),
    vaultMaxHotBytes:
      positiveNumber(vars.VAULT_MAX_HOT_MIB, DEFAULT_VAULT_MAX_HOT_MIB, 'VAULT_MAX_HOT_MIB') *
      1024 *
      1024,
    maxContentBytes: Math.floor(
      positiveNumber(vars.MAX_CONTENT_BYTES, DEFAULT_MAX_CONTENT_BYTES, 'MAX_CONTENT_BYTES'),
    ),
    memoryTokenBudget: Math.floor(
      positiveNumber(vars.MEMORY_TOKEN_BUDGET, 2_000, 'MEMORY_TOKEN_BUDGET'),
    ),
    snapshotDelayMs:
      positiveNumber(vars.SNAPSHOT_DELAY_SECONDS, 30, 'SNAPSHOT_DELAY_SECONDS') * 1000,
    hybridVectorWeight: unitInterval(
      vars.HYBRID_VECTOR_WEIGHT,
      DEFAULT_HYBRID_VECTOR_WEIGHT,
      'HYBRID_VECTOR_WEIGHT',
    ),
    reembed: reembedMode(vars.REEMBED),
  };
}

function reembedMode(raw: string | undefined): AppConfig['reembed'] {
  if (raw === undefined || raw.trim() === '') return 'auto';
  if (raw === 'auto' || raw === 'admin') return raw;
  throw new Error('configuration: REEMBED must be auto or admin');
}

/**
 * Whether this is the production deployment. Takes any string: with
 * `wrangler types` run with its defaults, ENVIRONMENT is typed as the literal
 * of wrangler.toml, and a comparison with another literal would not compile.
 */
export function isProduction(vars: { ENVIRONMENT?: string }): boolean {
  return vars.ENVIRONMENT === 'production';
}
