import { describe, expect, it } from 'vitest';
import { decodeText, encodeText, fromBase64Url, toBase64Url } from '../../src/core/encoding';
import { seededRandom } from '../helpers/random';

/** What the standard library says unpadded base64url is: btoa, then the URL alphabet. */
function reference(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

describe('toBase64Url', () => {
  it('writes what btoa writes in the URL alphabet, unpadded, for every length and byte', () => {
    const next = seededRandom(58);
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
      expect(toBase64Url(bytes)).toBe(reference(bytes));
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
    // Every byte value, in each of the three positions of a group.
    const all = Uint8Array.from({ length: 256 * 3 }, (_, i) => (i * 85) % 256);
    expect(toBase64Url(all)).toBe(reference(all));
    const large = Uint8Array.from({ length: 100_001 }, () => Math.floor(next() * 256));
    expect(toBase64Url(large)).toBe(reference(large));
  });

  it('keeps the known encodings (RFC 4648 test vectors, unpadded) and text round trips', () => {
    const text = (value: string) => toBase64Url(new TextEncoder().encode(value));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(text)).toEqual([
      '',
      'Zg',
      'Zm8',
      'Zm9v',
      'Zm9vYg',
      'Zm9vYmE',
      'Zm9vYmFy',
    ]);
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('-_-_');
    const words = 'memoria · 記憶 · 🧠 "quoted" <tag>';
    expect(decodeText(encodeText(words))).toBe(words);
  });

  it('encodes text as the base64url of its UTF-8 bytes, ASCII or not, at every length', () => {
    const next = seededRandom(59);
    const bytesOf = (text: string) => toBase64Url(new TextEncoder().encode(text));
    const others = ['é', '記', '🧠', '\u0080', '\u07ff', '\ud800'];
    for (let length = 0; length <= 300; length++) {
      const ascii = Array.from({ length }, () =>
        String.fromCharCode(Math.floor(next() * 128)),
      ).join('');
      expect(encodeText(ascii)).toBe(bytesOf(ascii));
      if (length === 0) continue;
      // One character that is not ASCII, in each position of a group of three.
      for (const at of [0, length - 1, Math.floor(length / 2)]) {
        const other = others[Math.floor(next() * others.length)]!;
        const text = ascii.slice(0, at) + other + ascii.slice(at + 1);
        expect(encodeText(text)).toBe(bytesOf(text));
      }
    }
    expect(encodeText('s:abc123:bench-a')).toBe('czphYmMxMjM6YmVuY2gtYQ');
  });
});

describe('fromBase64Url, canonical text only', () => {
  it('refuses a last character whose spare bits are set, so one id names one memory', () => {
    // 'Zg' is "f"; 'Zh'…'Zv' decode to the same byte in lenient decoders.
    expect(fromBase64Url('Zg')).toEqual(Uint8Array.of(0x66));
    for (const tweaked of ['Zh', 'Zi', 'Zv']) expect(fromBase64Url(tweaked)).toBeNull();
    expect(fromBase64Url('Zm8')).toEqual(new TextEncoder().encode('fo'));
    for (const tweaked of ['Zm9', 'Zm-', 'Zm_']) expect(fromBase64Url(tweaked)).toBeNull();
    // Every text toBase64Url writes is still read, at every length.
    const next = seededRandom(91);
    for (let length = 0; length <= 60; length++) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    }
    expect(decodeText(encodeText('c:abc:')) ?? '').toBe('c:abc:');
  });

  it('refuses any character outside the URL alphabet, padding and a length of 4n+1, wherever it stands', () => {
    const text = toBase64Url(Uint8Array.from({ length: 30 }, (_, i) => i * 7));
    for (const bad of ['+', '/', '=', ' ', '\n', '.', 'é', '\u0100', '🧠']) {
      for (const at of [0, 1, 2, 3, 17, text.length - 1]) {
        const spoiled = text.slice(0, at) + bad + text.slice(at + 1);
        expect(fromBase64Url(spoiled), `${JSON.stringify(bad)} at ${at}`).toBeNull();
      }
    }
    expect(fromBase64Url('Zm9vYg==')).toBeNull();
    expect(fromBase64Url('Zm9vY')).toBeNull();
    expect(fromBase64Url('')).toEqual(new Uint8Array(0));
  });
});
