/** base64url without padding, for ids, cursors and keys that travel in URLs and headers. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The alphabet as bytes, for the byte-array writer. */
const BASE64URL = new TextEncoder().encode(ALPHABET);
const ascii = new TextDecoder();

/**
 * Unpadded base64url. Written into one byte array and decoded once: the
 * memory receipt header and every memory id go through here on a chat or
 * search, and building a binary string a character at a time, then btoa and
 * three replaces, left a string per byte for the garbage collector
 * (BENCHMARKS.md, i13-after).
 */
export function toBase64Url(bytes: Uint8Array): string {
  const whole = bytes.length - (bytes.length % 3);
  const out = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  let at = 0;
  for (let i = 0; i < whole; i += 3) {
    const triple = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[at++] = BASE64URL[triple >>> 18]!;
    out[at++] = BASE64URL[(triple >>> 12) & 63]!;
    out[at++] = BASE64URL[(triple >>> 6) & 63]!;
    out[at++] = BASE64URL[triple & 63]!;
  }
  if (bytes.length - whole === 1) {
    const single = bytes[whole]!;
    out[at++] = BASE64URL[single >>> 2]!;
    out[at++] = BASE64URL[(single & 3) << 4]!;
  } else if (bytes.length - whole === 2) {
    const pair = (bytes[whole]! << 8) | bytes[whole + 1]!;
    out[at++] = BASE64URL[pair >>> 10]!;
    out[at++] = BASE64URL[(pair >>> 4) & 63]!;
    out[at++] = BASE64URL[(pair & 15) << 2]!;
  }
  return ascii.decode(out);
}

/**
 * Inverse of toBase64Url; returns null for anything that is not valid
 * base64url. Canonical text only (RFC 4648 §3.5): the bits a last character
 * carries past the final byte must be zero. Otherwise several texts decode
 * to the same bytes, and an id with its last character changed would still
 * address (and delete) the memory it no longer names.
 */
export function fromBase64Url(text: string): Uint8Array | null {
  const length = text.length;
  if (length % 4 === 1) return null;
  // Straight from the characters into the bytes through a table: atob, then
  // a callback per character, cost a restore about 170 µs a 384-dimension
  // vector, 17 s of CPU for a 100,000-memory snapshot (BENCHMARKS.md, "A big
  // vault's snapshot": CPU and restore).
  const out = new Uint8Array(Math.floor((length * 3) / 4));
  const whole = length - (length % 4);
  let at = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return null;
    const triple = (a << 18) | (b << 12) | (c << 6) | d;
    out[at++] = triple >>> 16;
    out[at++] = (triple >>> 8) & 255;
    out[at++] = triple & 255;
  }
  if (length - whole === 2) {
    const a = sextet(text, whole);
    const b = sextet(text, whole + 1);
    if ((a | b) < 0 || (b & 15) !== 0) return null;
    out[at] = (a << 2) | (b >>> 4);
  } else if (length - whole === 3) {
    const a = sextet(text, whole);
    const b = sextet(text, whole + 1);
    const c = sextet(text, whole + 2);
    if ((a | b | c) < 0 || (c & 3) !== 0) return null;
    out[at++] = (a << 2) | (b >>> 4);
    out[at] = ((b & 15) << 4) | (c >>> 2);
  }
  return out;
}

/** Each base64url character's 6 bits; -1 for every other character code below 128. */
const SEXTETS = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** The 6 bits of the character at `i`; -1 when it is not base64url. */
function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? SEXTETS[code]! : -1;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** toBase64Url of the text's UTF-8 bytes. */
export function encodeText(text: string): string {
  return (
    (text.length <= SHORT_TEXT ? asciiToBase64Url(text) : null) ?? toBase64Url(encoder.encode(text))
  );
}

/**
 * Up to this length the string is built faster than the runtime's round
 * (workerd, bench edge: 20 ids of 35 characters 7 µs against 25; a 1.3 KB
 * receipt header 16 µs against 4; even at about 150 characters).
 */
const SHORT_TEXT = 128;

/**
 * toBase64Url of ASCII text's bytes (its UTF-8 bytes are its char codes),
 * read from the string and written as one: no TextEncoder and TextDecoder
 * round, two calls into the runtime and two byte arrays, for every memory
 * id of a search's hits (about 1 µs an id against 0.3 in workerd, bench
 * edge). null as soon as a character is not ASCII.
 */
function asciiToBase64Url(text: string): string | null {
  const length = text.length;
  const whole = length - (length % 3);
  let out = '';
  for (let i = 0; i < whole; i += 3) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    if ((a | b | c) > 0x7f) return null;
    const triple = (a << 16) | (b << 8) | c;
    out +=
      ALPHABET[triple >>> 18]! +
      ALPHABET[(triple >>> 12) & 63]! +
      ALPHABET[(triple >>> 6) & 63]! +
      ALPHABET[triple & 63]!;
  }
  if (length - whole === 1) {
    const single = text.charCodeAt(whole);
    if (single > 0x7f) return null;
    out += ALPHABET[single >>> 2]! + ALPHABET[(single & 3) << 4]!;
  } else if (length - whole === 2) {
    const a = text.charCodeAt(whole);
    const b = text.charCodeAt(whole + 1);
    if ((a | b) > 0x7f) return null;
    const pair = (a << 8) | b;
    out += ALPHABET[pair >>> 10]! + ALPHABET[(pair >>> 4) & 63]! + ALPHABET[(pair & 15) << 2]!;
  }
  return out;
}

export function decodeText(encoded: string): string | null {
  const bytes = fromBase64Url(encoded);
  if (bytes === null) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

export function randomId(byteLength = 12): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/**
 * `count` ids of `randomId`'s form (16 base64url characters) for memories
 * written together: they share a random first half (48 bits) and differ in
 * a random second half. A vault's `id` index is a B-tree in id order, so a
 * batch of fully random ids dirties one index page per id (about 60 of a
 * 10k vault's 75, every one rewritten at the commit); ids that sort
 * together dirty one or two. A single id is as random as ever.
 */
export function batchIds(count: number): string[] {
  if (count <= 1) return count === 1 ? [randomId()] : [];
  const shared = randomId(6);
  return Array.from({ length: count }, () => shared + randomId(6));
}
