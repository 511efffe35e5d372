// `npm run --silent key:create`: asks the running server for a new memory key
// and prints only its secret (mk_…). Signs an admin JWT with the development
// ADMIN_JWT_SECRET from .dev.vars (or the environment).
import { readFile } from 'node:fs/promises';
import { SignJWT } from 'jose';

const baseUrl = process.env.MEMORYROUTER_URL ?? 'http://localhost:8787';
const accountId = process.env.MEMORYROUTER_ACCOUNT ?? 'local-dev';

async function adminSecret() {
  if (process.env.ADMIN_JWT_SECRET) return process.env.ADMIN_JWT_SECRET;
  for (const file of ['.dev.vars', '.dev.vars.example']) {
    try {
      const text = await readFile(file, 'utf8');
      const match = /^ADMIN_JWT_SECRET\s*=\s*"?([^"\n]*)"?\s*$/m.exec(text);
      if (match) return match[1];
    } catch {
      // try the next file
    }
  }
  throw new Error('no ADMIN_JWT_SECRET in the environment, .dev.vars or .dev.vars.example');
}

const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(accountId)
  .setIssuedAt()
  .setExpirationTime('5m')
  .sign(new TextEncoder().encode(await adminSecret()));

const response = await fetch(`${baseUrl}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({
    query: 'mutation($name: String) { createMemoryKey(name: $name) { secret } }',
    variables: { name: process.env.MEMORYROUTER_KEY_NAME ?? 'local development' },
  }),
}).catch((error) => {
  console.error(`could not reach ${baseUrl} (is \`npm start\` running?): ${error.message}`);
  process.exit(1);
});
const body = await response.json();
if (!body.data?.createMemoryKey) {
  console.error(`createMemoryKey failed: ${JSON.stringify(body.errors ?? body)}`);
  process.exit(1);
}
console.log(body.data.createMemoryKey.secret);
