// What the fake models answer, the same for every provider: given a neutral
// view of the request, a tool call, a JSON answer, or text.

/** The word a tool argument takes from the user's words: the last capitalised one, else the last. */
function keyword(text) {
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? [];
  return [...words].reverse().find((word) => /^\p{Lu}/u.test(word)) ?? words.at(-1) ?? 'something';
}

/** A value that satisfies a JSON Schema, built from the user's words. */
export function sampleOf(schema, text) {
  if (!schema || typeof schema !== 'object') return keyword(text);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const raw = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  // Gemini's OpenAPI schemas spell types in capitals (OBJECT, STRING).
  switch (typeof raw === 'string' ? raw.toLowerCase() : raw) {
    case 'object': {
      const out = {};
      for (const [name, property] of Object.entries(schema.properties ?? {}))
        out[name] = sampleOf(property, text);
      return out;
    }
    case 'array':
      return [sampleOf(schema.items, text)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return keyword(text);
  }
}

/**
 * The fake model's answer: `{ text }` or `{ toolCall: { name, arguments } }`.
 * view: { host, userText, toolResult, images, tools, toolChoice, format, reply, toolArguments }
 *   toolResult  the text of a tool result when the conversation ends with one
 *   images      media types of the image parts of the user's last turn
 *   tools       [{ name, parameters }]; toolChoice: 'auto' | 'none' | 'required' | { name }
 *   format      null | { type: 'json_object' } | { type: 'json_schema', schema }
 *   toolArguments  scripted arguments text of the tool call (any text, valid JSON or not)
 */
export function answerFor(view) {
  if (view.toolResult !== null)
    return { text: `Fake ${view.host} heard tool result: ${view.toolResult}` };
  const choice = view.toolChoice ?? 'auto';
  if (view.tools.length > 0 && choice !== 'none') {
    const tool =
      (typeof choice === 'object' && view.tools.find((t) => t.name === choice.name)) ||
      view.tools[0];
    return {
      toolCall: {
        name: tool.name,
        arguments: view.toolArguments ?? JSON.stringify(sampleOf(tool.parameters, view.userText)),
      },
    };
  }
  if (view.format?.type === 'json_schema')
    return { text: JSON.stringify(sampleOf(view.format.schema, view.userText)) };
  let text = view.reply ?? `Fake ${view.host} heard: ${view.userText}`;
  if (view.images.length > 0)
    text += ` (and saw ${view.images.length} image${view.images.length > 1 ? 's' : ''}: ${view.images.join(', ')})`;
  if (view.format?.type === 'json_object') return { text: JSON.stringify({ answer: text }) };
  return { text };
}

/** Words, each with its trailing space, as the stream's pieces. */
export function piecesOf(text) {
  return text.match(/\S+\s*/g) ?? [text];
}

/** A token count that is the same for the same text. */
export function tokensOf(value) {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

/** Arguments text in three pieces, as providers stream them. */
export function argumentPieces(text) {
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter(
    (p) => p !== '',
  );
}

/** An id that is the same for the same request (FNV-1a of its body), so a replayed request gets the same bytes back. */
export function idFor(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
