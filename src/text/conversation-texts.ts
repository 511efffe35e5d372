/**
 * A text's key for "the caller already sent this": in NFC (one keyboard
 * writes "é" as one code point, another as "e" and a combining accent), case
 * folded and every whitespace character removed. Removed rather than collapsed because the
 * same words reach a vault joined in different ways: a message's text parts
 * are stored joined by newlines, a streamed answer as its pieces run
 * together, and a client sends either back as one string or as parts.
 */
export function conversationKey(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, '').toLowerCase();
}

/**
 * The keys of the texts a chat request carries (its messages, system prompt
 * and tool plumbing): a memory whose content has one of them is already in
 * front of the model, so chat neither injects nor bills it. A Set, so each
 * memory found costs one lookup; blank texts have no key.
 */
export function conversationTexts(texts: Iterable<string>): Set<string> {
  const keys = new Set<string>();
  for (const text of texts) {
    const key = conversationKey(text);
    if (key !== '') keys.add(key);
  }
  return keys;
}
