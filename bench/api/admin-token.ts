/**
 * An admin token for a local `wrangler dev`, signed with the development
 * secret in `.dev.vars` (what `npm start` reads), so the API benches can
 * create their own memory key through the public API.
 */
import { readFile } from 'node:fs/promises';
import { SignJWT } from 'jose';

async function devSecret(name: string): Promise<string> {
  const vars = await readFile('.dev.vars', 'utf8');
  const match = new RegExp(`^${name}="?([^"\\n]*)"?`, 'm').exec(vars);
  if (!match?.[1]) throw new Error(`.dev.vars has no ${name}`);
  return match[1];
}

/** A one-hour admin JWT whose subject (the account) is `${prefix}-${now}`: a fresh account per run. */
export async function adminToken(prefix: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`${prefix}-${Date.now()}`)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(await devSecret('ADMIN_JWT_SECRET')));
}
