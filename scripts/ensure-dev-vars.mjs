// `npm start` on a fresh clone: give wrangler dev its development secrets.
import { copyFile, access } from 'node:fs/promises';

try {
  await access('.dev.vars');
} catch {
  await copyFile('.dev.vars.example', '.dev.vars');
  console.log('created .dev.vars from .dev.vars.example (development secrets only)');
}
