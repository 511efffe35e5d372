import { readConfig, type ConfigVars } from './config';

/**
 * Checks a deployment's variables and secrets before anything uses them, so
 * a missing secret is reported as such instead of surfacing as "Unexpected
 * error." on every authenticated call. The Worker runs it once per isolate
 * (src/http/configuration-error.ts) and `npm start` runs it before wrangler
 * dev (scripts/check-config.ts). Problems name the variable, never its value.
 */
export interface ConfigProblem {
  variable: string;
  problem: string;
  /**
   * The problem as a stable code naming the variable and what is wrong with
   * it: `<VARIABLE>_NOT_SET`, `<VARIABLE>_TOO_SHORT`, `<VARIABLE>_INVALID`,
   * `AI_BINDING_MISSING`, or `<BINDING>_BINDING_MISSING` (bindingProblems). The configuration guard's CONFIGURATION_ERROR
   * carries the first problem's as its `reason`.
   */
  reason: string;
}

/**
 * A setting that does nothing, or not what its name suggests, while the
 * deployment still works: unlike a problem it never fails a request. Printed
 * by `npm start` (scripts/check-config.ts) and logged once per isolate by
 * the Worker (src/http/guard.ts). Same shape as a problem; its reason is
 * `<VARIABLE>_IGNORED` and the like.
 */
export type ConfigWarning = ConfigProblem;

/** Shortest accepted HMAC, JWT and provider-key secrets: 16 characters (use 32 random bytes in production). */
export const MIN_SECRET_LENGTH = 16;

export const ENVIRONMENTS = ['development', 'production'] as const;

const SECRETS = ['KEY_HMAC_SECRET', 'ADMIN_JWT_SECRET'] as const;

/**
 * Optional secrets: unset, stored provider keys are off; set, they must be
 * long enough, since the runtime (providers/key-encryption.ts, same minimum)
 * ignores a shorter one and keys stored under it would silently stop working.
 */
const OPTIONAL_SECRETS = ['PROVIDER_KEY_SECRET', 'PROVIDER_KEY_SECRET_PREVIOUS'] as const;

export const PROVIDER_KEY_SECRET_SHORT = `is shorter than ${MIN_SECRET_LENGTH} characters, which would turn stored provider keys off: set at least ${MIN_SECRET_LENGTH} characters, or leave it unset`;

/** Numeric variables outside readConfig's set, checked the same way. */
const OTHER_NUMBERS = [
  'MAX_REQUEST_BYTES',
  'MAX_DROP_IN_REQUEST_BYTES',
  'UPSTREAM_TIMEOUT_MS',
  'EXTRACTION_TIMEOUT_MS',
  'METER_FLUSH_SECONDS',
  'STRIPE_TIMEOUT_MS',
  'STANDING_CHECK_MS',
  'WEBSOCKET_PING_MS',
  'EMBEDDING_TIMEOUT_MS',
] as const;

const BASE_URLS = [
  'OPENAI_BASE_URL',
  'ANTHROPIC_BASE_URL',
  'GOOGLE_BASE_URL',
  'OPENROUTER_BASE_URL',
  'COMPATIBLE_BASE_URL',
  'STRIPE_API_BASE',
] as const;

export type CheckedVars = ConfigVars & Record<string, unknown>;

export function configurationProblems(vars: CheckedVars): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const text = (name: string): string | undefined =>
    typeof vars[name] === 'string' ? (vars[name] as string) : undefined;

  for (const name of SECRETS) {
    const value = text(name) ?? '';
    if (value.trim() === '')
      problems.push({ variable: name, problem: 'is not set', reason: `${name}_NOT_SET` });
    else if (value.length < MIN_SECRET_LENGTH)
      problems.push({
        variable: name,
        problem: `is shorter than ${MIN_SECRET_LENGTH} characters`,
        reason: `${name}_TOO_SHORT`,
      });
  }

  // Optional during a rotation; set, as strong as the secret it was.
  const previousKeySecret = text('KEY_HMAC_SECRET_PREVIOUS') ?? '';
  if (previousKeySecret !== '' && previousKeySecret.length < MIN_SECRET_LENGTH)
    problems.push({
      variable: 'KEY_HMAC_SECRET_PREVIOUS',
      problem: `is shorter than ${MIN_SECRET_LENGTH} characters: set the previous KEY_HMAC_SECRET itself, or leave it unset`,
      reason: 'KEY_HMAC_SECRET_PREVIOUS_TOO_SHORT',
    });

  // Half a rotation: the old value moved to PREVIOUS, no new one yet. Nothing
  // opens with PREVIOUS alone, so stored keys would all stop working.
  if (
    (text('PROVIDER_KEY_SECRET') ?? '') === '' &&
    (text('PROVIDER_KEY_SECRET_PREVIOUS') ?? '') !== ''
  )
    problems.push({
      variable: 'PROVIDER_KEY_SECRET',
      problem:
        'is not set while PROVIDER_KEY_SECRET_PREVIOUS is: a rotation needs the new secret too (or unset both)',
      reason: 'PROVIDER_KEY_SECRET_NOT_SET',
    });

  for (const name of OPTIONAL_SECRETS) {
    const value = text(name) ?? '';
    if (value !== '' && value.length < MIN_SECRET_LENGTH)
      problems.push({
        variable: name,
        problem: PROVIDER_KEY_SECRET_SHORT,
        reason: `${name}_TOO_SHORT`,
      });
  }

  const environment = text('ENVIRONMENT');
  if (!(ENVIRONMENTS as readonly string[]).includes(environment ?? '')) {
    problems.push({
      variable: 'ENVIRONMENT',
      problem: `must be one of ${ENVIRONMENTS.join(', ')}`,
      reason: 'ENVIRONMENT_INVALID',
    });
  }

  try {
    readConfig(vars);
  } catch (error) {
    // readConfig names the variable first: "configuration: NAME must …".
    const message = error instanceof Error ? error.message.replace(/^configuration: /, '') : '';
    const variable = /^[A-Z_]+/.exec(message)?.[0] ?? 'configuration';
    problems.push({
      variable,
      problem: message.slice(variable.length).trim() || 'is invalid',
      reason: `${variable.toUpperCase()}_INVALID`,
    });
  }

  for (const name of OTHER_NUMBERS) {
    const value = text(name);
    if (value === undefined || value.trim() === '') continue;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) {
      problems.push({
        variable: name,
        problem: 'must be a positive number',
        reason: `${name}_INVALID`,
      });
    }
  }

  for (const name of BASE_URLS) {
    const value = text(name);
    if (value === undefined || value.trim() === '') continue;
    if (!/^https?:\/\//.test(value) || !URL.canParse(value)) {
      problems.push({
        variable: name,
        problem: 'must be an http(s) URL',
        reason: `${name}_INVALID`,
      });
    } else if (name === 'STRIPE_API_BASE' && !isOrigin(value)) {
      // The Stripe SDK takes a host, port and protocol, and adds /v1/ itself.
      problems.push({
        variable: name,
        problem: 'must be an http(s) origin, without a path (the Stripe SDK adds /v1/)',
        reason: `${name}_INVALID`,
      });
    }
  }

  const provider = text('EMBEDDING_PROVIDER') ?? 'local';
  if (provider !== 'local' && provider !== 'workers-ai') {
    problems.push({
      variable: 'EMBEDDING_PROVIDER',
      problem: 'must be local or workers-ai',
      reason: 'EMBEDDING_PROVIDER_INVALID',
    });
  } else if (provider === 'workers-ai' && vars.AI === undefined) {
    problems.push({
      variable: 'AI',
      problem: 'binding is missing: EMBEDDING_PROVIDER = "workers-ai" needs [ai] binding = "AI"',
      reason: 'AI_BINDING_MISSING',
    });
  }
  return problems;
}

/**
 * The bindings every deployment needs, with the wrangler.toml section that
 * makes each: without one the Worker would start and then fail on first use
 * (review 269 F1: no SNAPSHOTS bucket answered uncoded 500s, after clearing).
 */
export const REQUIRED_BINDINGS = {
  VAULT: '[[durable_objects.bindings]] name = "VAULT", class_name = "VaultObject"',
  ACCOUNT: '[[durable_objects.bindings]] name = "ACCOUNT", class_name = "AccountObject"',
  USAGE_SHARD: '[[durable_objects.bindings]] name = "USAGE_SHARD", class_name = "UsageShardObject"',
  CREATED_RESPONSES:
    '[[durable_objects.bindings]] name = "CREATED_RESPONSES", class_name = "CreatedResponsesObject"',
  SNAPSHOTS: '[[r2_buckets]] binding = "SNAPSHOTS" (the bucket of vault snapshots)',
} as const;

/**
 * Required bindings the deployment lacks, as `<BINDING>_BINDING_MISSING`
 * (the AI binding is checked with the embedder's variables above). `bindings`
 * is the Worker's env, or, for `npm start`, the names wrangler.toml binds.
 */
export function bindingProblems(bindings: Record<string, unknown>): ConfigProblem[] {
  return Object.entries(REQUIRED_BINDINGS).flatMap(([name, section]) =>
    bindings[name] === undefined || bindings[name] === null
      ? [
          {
            variable: name,
            problem: `binding is missing: wrangler.toml needs ${section}`,
            reason: `${name}_BINDING_MISSING`,
          },
        ]
      : [],
  );
}

/** Scheme, host and port only: no path but "/", no query, fragment or credentials. */
function isOrigin(value: string): boolean {
  const url = new URL(value);
  return (
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '' &&
    !/[?#]/.test(value)
  );
}

/** One sentence for people: "KEY_HMAC_SECRET is not set; ENVIRONMENT must be …" (warnings alike). */
export function describeProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(({ variable, problem }) => `${variable} ${problem}`).join('; ');
}
