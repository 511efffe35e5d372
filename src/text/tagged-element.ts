/** An opening tag's name at the very start of a text (`<system-reminder …>`). */
const OPENING = /^<([A-Za-z][\w.:-]*)(?:\s[^>]*)?>/u;

/**
 * Whether a text, trimmed, is one tagged element from start to end:
 * `<system-reminder>…</system-reminder>`, `<document source="…">…</document>`.
 * Clients wrap context they add to a user's message this way. Tags of the same
 * name inside are counted, so "<b>one</b> and <b>two</b>" (two elements with
 * words between) is not one.
 */
export function isOneTaggedElement(text: string): boolean {
  const trimmed = text.trim();
  const name = OPENING.exec(trimmed)?.[1];
  if (name === undefined) return false;
  const escaped = name.replace(/[.]/gu, '\\.');
  const tags = new RegExp(`<(/?)${escaped}(?=[\\s>/])[^>]*>`, 'gu');
  let depth = 0;
  for (const tag of trimmed.matchAll(tags)) {
    if (tag[0].endsWith('/>') && tag[1] === '') continue; // self-closing: opens nothing
    depth += tag[1] === '/' ? -1 : 1;
    if (depth === 0) return tag.index + tag[0].length === trimmed.length;
  }
  return false;
}
