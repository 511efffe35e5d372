#!/usr/bin/env node
// The MemoryRouter command line: admin tokens, memory keys, vault export and
// import against a running server. `npx memoryrouter --help` lists it all.
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { parseArgs, parseEnv } from 'node:util';
import { decodeJwt, SignJWT } from 'jose';

const HELP = `memoryrouter: manage a MemoryRouter server from the command line

Usage:
  memoryrouter admin-token [--account ID] [--expires 15m]
      Prints an admin JWT for the account, signed with ADMIN_JWT_SECRET.
  memoryrouter keys list
  memoryrouter keys create [--name NAME]
      Prints only the new key's secret (mk_…) on stdout; its id goes to stderr.
      NAME labels the key in keys list (default: "created with the memoryrouter CLI").
  memoryrouter keys revoke KEY_ID
  memoryrouter provider-keys list
      One line per stored provider key: provider, scope (the memory key's id,
      or "account"), last 4 characters, fingerprint, when it was last set.
  memoryrouter provider-keys set PROVIDER [--memory-key KEY_ID]
      Stores the provider's API key, read from stdin (never from the command
      line, where shells and process lists keep it), sealed for the account
      or, with --memory-key, for one memory key.
  memoryrouter provider-keys delete PROVIDER [--memory-key KEY_ID]
  memoryrouter vault export VAULT [--out FILE]
      Writes the vault as JSONL to FILE (default: stdout).
  memoryrouter vault import VAULT FILE
      Streams FILE (or - for stdin) into the vault, prints progress on stderr
      and the per-line report as JSON on stdout.

  VAULT is core, session/ID or ephemeral/ID.
  PROVIDER is openai, anthropic, google, openrouter or compatible.

Options:
  --account ID   the account an admin token is for (default: MEMORYROUTER_ACCOUNT, else local-dev)
  --expires SPAN how long an admin token lives, with a unit, at most 24h (default 15m): 30s, 15m, 2h, 24h
  --key MK       the memory key for vault commands (default: MEMORYROUTER_KEY)
  --memory-key ID  a provider key's scope: this memory key only (default: the whole account)
  --url URL      the server (default: MEMORYROUTER_URL, else http://localhost:8787)
  -h, --help     this text

Environment:
  MEMORYROUTER_URL      the server
  MEMORYROUTER_ACCOUNT  the account admin commands act on (default local-dev)
  MEMORYROUTER_KEY      a memory key (mk_…) for vault commands
  ADMIN_JWT_SECRET      signs admin tokens; read from .dev.vars when not set
  ADMIN_JWT_ISSUER      the iss an admin token carries, when the server pins one (also from .dev.vars)
  ADMIN_JWT_AUDIENCE    the aud an admin token carries, when the server pins one (also from .dev.vars)

Exit status: 0 on success, 1 on a refusal (the server's coded error is printed), 2 on bad usage.
`;

class UsageError extends Error {}
class Refused extends Error {}

const { values: options, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        account: { type: 'string' },
        expires: { type: 'string', default: '15m' },
        name: { type: 'string' },
        out: { type: 'string' },
        key: { type: 'string' },
        'memory-key': { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${error.message}\n\n${HELP}`);
    process.exit(2);
  }
})();

const baseUrl = (options.url ?? process.env.MEMORYROUTER_URL ?? 'http://localhost:8787').replace(
  /\/+$/,
  '',
);
const accountId = options.account ?? process.env.MEMORYROUTER_ACCOUNT ?? 'local-dev';

/** A deployment setting from the environment, else from .dev.vars (what `npm start` uses). */
async function setting(name) {
  if (process.env[name]) return process.env[name];
  devVars ??= readFile('.dev.vars', 'utf8')
    .then((text) => parseEnv(text))
    .catch(() => ({}));
  return (await devVars)[name] || undefined;
}
let devVars;

async function adminSecret() {
  const secret = await setting('ADMIN_JWT_SECRET');
  if (!secret) {
    throw new UsageError(
      'no ADMIN_JWT_SECRET: set it in the environment, or run from the project folder with a .dev.vars',
    );
  }
  return secret;
}

/**
 * The server refuses an admin token that lives longer than this
 * (MAX_ADMIN_TOKEN_LIFETIME_SECONDS in src/auth/admin-jwt.ts), so the CLI
 * refuses to sign one rather than print a token that cannot work.
 */
const MAX_ADMIN_TOKEN_LIFETIME_SECONDS = 24 * 3600;
const EXPIRES_ACCEPTED =
  'a lifetime with a unit, more than 0 and at most 24h, e.g. 30s, 15m, 2h or 24h';

async function adminToken() {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(accountId);
  const issuedAt = Math.floor(Date.now() / 1000);
  try {
    // jose reads the span ("15m", "2 hours", "1d"); anything else is its TypeError.
    jwt.setIssuedAt(issuedAt).setExpirationTime(options.expires);
  } catch {
    throw new UsageError(`--expires ${options.expires}: expected ${EXPIRES_ACCEPTED}`);
  }
  // A deployment that pins `iss` / `aud` refuses a token without them.
  const issuer = await setting('ADMIN_JWT_ISSUER');
  const audience = await setting('ADMIN_JWT_AUDIENCE');
  if (issuer) jwt.setIssuer(issuer);
  if (audience) jwt.setAudience(audience);
  const token = await jwt.sign(new TextEncoder().encode(await adminSecret()));
  const lifetime = decodeJwt(token).exp - issuedAt;
  if (lifetime > MAX_ADMIN_TOKEN_LIFETIME_SECONDS) {
    throw new UsageError(
      `--expires ${options.expires}: the server refuses admin tokens that live more than 24h (ADMIN_TOKEN_LIFETIME); expected ${EXPIRES_ACCEPTED}`,
    );
  }
  if (lifetime <= 0) {
    throw new UsageError(`--expires ${options.expires}: expected ${EXPIRES_ACCEPTED}`);
  }
  return token;
}

function memoryKey() {
  const key = options.key ?? process.env.MEMORYROUTER_KEY;
  if (!key)
    throw new UsageError('vault commands need a memory key: --key mk_… or MEMORYROUTER_KEY');
  return key;
}

async function request(path, init) {
  try {
    return await fetch(`${baseUrl}${path}`, init);
  } catch (error) {
    throw new Refused(
      `could not reach ${baseUrl} (is \`npm start\` running?): ${error.cause?.code ?? error.message}`,
    );
  }
}

/** Runs a GraphQL operation as an admin; returns `data` or throws the server's coded error. */
async function adminGraphql(query, variables = {}) {
  const response = await request('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await adminToken()}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) throw new Refused(describe(body.errors[0]));
  if (!response.ok || !body.data) throw new Refused(`HTTP ${response.status}`);
  return body.data;
}

function describe(error) {
  const { code, reason } = error.extensions ?? error;
  return `${code ?? 'ERROR'}${reason ? ` (${reason})` : ''}: ${error.message}`;
}

/** core | session/ID | ephemeral/ID, as the vault routes spell it. */
function vaultPath(vault) {
  if (!vault || !/^(core|(session|ephemeral)\/[^/]+)$/.test(vault)) {
    throw new UsageError('VAULT must be core, session/ID or ephemeral/ID');
  }
  const [kind, id] = vault.split('/');
  return id === undefined ? kind : `${kind}/${encodeURIComponent(id)}`;
}

async function routeError(response) {
  const body = await response.json().catch(() => null);
  return new Refused(body?.error ? describe(body.error) : `HTTP ${response.status}`);
}

const PROVIDERS = ['openai', 'anthropic', 'google', 'openrouter', 'compatible'];

/** The Provider enum value of a PROVIDER argument, in any case. */
function providerOf(command, provider) {
  const name = provider?.toLowerCase();
  if (!PROVIDERS.includes(name)) {
    throw new UsageError(`${command} needs a PROVIDER: ${PROVIDERS.join(', ')}`);
  }
  return name.toUpperCase();
}

/** All of stdin as one trimmed string: a provider key piped or typed (then Ctrl-D). */
async function stdinKey() {
  if (process.stdin.isTTY) console.error('paste the provider key, then press Enter and Ctrl-D:');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const key = text.trim();
  if (!key) throw new UsageError('provider-keys set reads the key from stdin, and it was empty');
  return key;
}

const commands = {
  'admin-token': async () => console.log(await adminToken()),

  'keys list': async () => {
    const { memoryKeys } = await adminGraphql('{ memoryKeys { id name createdAt revokedAt } }');
    for (const key of memoryKeys) {
      const state = key.revokedAt ? `revoked ${key.revokedAt}` : 'active';
      console.log([key.id, key.name ?? '-', key.createdAt, state].join('\t'));
    }
  },

  'keys create': async () => {
    const { createMemoryKey } = await adminGraphql(
      'mutation($name: String) { createMemoryKey(name: $name) { secret key { id } } }',
      { name: options.name ?? 'created with the memoryrouter CLI' },
    );
    console.error(
      `created ${createMemoryKey.key.id} for account ${accountId}; the secret is shown once:`,
    );
    console.log(createMemoryKey.secret);
  },

  'keys revoke': async (keyId) => {
    if (!keyId) throw new UsageError('keys revoke needs a KEY_ID (see keys list)');
    await adminGraphql('mutation($id: ID!) { revokeMemoryKey(id: $id) }', { id: keyId });
    console.error(`revoked ${keyId}`);
  },

  'provider-keys list': async () => {
    const { providerKeys } = await adminGraphql(
      '{ providerKeys { provider memoryKeyId last4 fingerprint updatedAt } }',
    );
    for (const key of providerKeys) {
      console.log(
        [
          key.provider.toLowerCase(),
          key.memoryKeyId ?? 'account',
          key.last4,
          key.fingerprint,
          key.updatedAt,
        ].join('\t'),
      );
    }
  },

  'provider-keys set': async (provider) => {
    const input = {
      provider: providerOf('provider-keys set', provider),
      ...(options['memory-key'] ? { memoryKeyId: options['memory-key'] } : {}),
    };
    // Read only once the arguments are known good: a usage error does not swallow stdin.
    input.key = await stdinKey();
    const { setProviderKey } = await adminGraphql(
      'mutation($input: SetProviderKeyInput!) { setProviderKey(input: $input) { provider memoryKeyId last4 fingerprint } }',
      { input },
    );
    console.error(
      `stored the ${setProviderKey.provider.toLowerCase()} key …${setProviderKey.last4} (${setProviderKey.fingerprint}) for ${setProviderKey.memoryKeyId ?? `account ${accountId}`}`,
    );
  },

  'provider-keys delete': async (provider) => {
    const { deleteProviderKey } = await adminGraphql(
      'mutation($provider: Provider!, $memoryKeyId: ID) { deleteProviderKey(provider: $provider, memoryKeyId: $memoryKeyId) }',
      {
        provider: providerOf('provider-keys delete', provider),
        memoryKeyId: options['memory-key'] ?? null,
      },
    );
    if (!deleteProviderKey) {
      throw new Refused(
        `no ${provider.toLowerCase()} key stored for ${options['memory-key'] ?? `account ${accountId}`}`,
      );
    }
    console.error(`deleted the ${provider.toLowerCase()} key`);
  },

  'vault export': async (vault) => {
    const response = await request(`/v1/vaults/${vaultPath(vault)}/export`, {
      headers: { authorization: `Bearer ${memoryKey()}` },
    });
    if (!response.ok) throw await routeError(response);
    const out = options.out ? createWriteStream(options.out) : process.stdout;
    await response.body.pipeTo(Writable.toWeb(out));
    if (options.out) {
      console.error(`wrote ${response.headers.get('x-memory-count')} memories to ${options.out}`);
    }
  },

  'vault import': async (vault, file) => {
    if (!file) throw new UsageError('vault import needs a FILE (or - for stdin)');
    const path = vaultPath(vault);
    if (file !== '-') {
      await access(file, constants.R_OK).catch((error) => {
        throw new UsageError(`cannot read ${file}: ${error.code ?? error.message}`);
      });
    }
    const source = file === '-' ? process.stdin : createReadStream(file);
    const response = await request(`/v1/vaults/${path}/import`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${memoryKey()}`,
        'content-type': 'application/x-ndjson',
        accept: 'application/x-ndjson',
      },
      body: Readable.toWeb(source),
      duplex: 'half',
    });
    if (!response.ok) throw await routeError(response);
    let buffered = '';
    let report = null;
    for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (event.type === 'progress') {
          console.error(
            `line ${event.line}: ${event.imported} imported, ${event.skipped} skipped, ${event.failed} failed`,
          );
        } else if (event.type === 'report') {
          report = { ...event };
          delete report.type;
        } else if (event.type === 'error') {
          throw new Refused(describe(event.error));
        }
      }
    }
    if (report === null) throw new Refused('the import ended without a report');
    console.log(JSON.stringify(report, null, 2));
    if (report.failed > 0) process.exitCode = 1;
  },
};

async function main() {
  if (options.help || positionals.length === 0) {
    console.log(HELP);
    return;
  }
  const [group, action, ...rest] = positionals;
  const two = commands[`${group} ${action}`];
  const one = commands[group];
  if (two) return two(...rest);
  if (one) return one(...[action, ...rest].filter((arg) => arg !== undefined));
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n(memoryrouter --help lists the commands)`);
    process.exit(2);
  }
  if (error instanceof Refused) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(`memoryrouter: ${error.message}`);
  process.exit(1);
});
