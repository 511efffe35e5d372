/**
 * Whether `[ { (` nest deeper than `limit` in a GraphQL document or JSON
 * text, strings (`"…"` and GraphQL's `"""…"""`) and `#` comments skipped. One pass; it jumps over
 * strings and comments with indexOf.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === OPEN_BRACKET || char === OPEN_BRACE || char === OPEN_PAREN) {
      if (++depth > limit) return true;
    } else if (char === CLOSE_BRACKET || char === CLOSE_BRACE || char === CLOSE_PAREN) {
      depth--;
    } else if (char === HASH) {
      const end = text.indexOf('\n', i);
      if (end === -1) return false;
      i = end;
    } else if (char === QUOTE) {
      i = stringEnd(text, i);
      if (i === -1) return false;
    }
  }
  return false;
}

/** The index of a string's closing quote (the last of `"""`); -1 when it never closes. */
function stringEnd(text: string, start: number): number {
  if (text.startsWith('"""', start)) {
    let at = start + 3;
    for (;;) {
      const end = text.indexOf('"""', at);
      if (end === -1) return -1;
      // An escaped triple quote (\""") is part of the block string.
      if (text[end - 1] !== '\\') return end + 2;
      at = end + 3;
    }
  }
  let at = start + 1;
  for (;;) {
    const end = text.indexOf('"', at);
    if (end === -1) return -1;
    let backslashes = 0;
    while (text[end - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return end;
    at = end + 1;
  }
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const HASH = 0x23;
const QUOTE = 0x22;
