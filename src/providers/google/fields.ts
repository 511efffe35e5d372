/**
 * Gemini's REST API parses JSON with protobuf's rules: a field may be named by
 * its JSON name (`systemInstruction`, what @google/genai sends) or by its proto
 * name (`system_instruction`, what Google's own curl examples write). The
 * native route reads a body written either way and writes back in the
 * spelling the caller used, so a body never holds one field under two names.
 */

/** `systemInstruction` → `system_instruction`. */
export const protoName = (jsonName: string): string =>
  jsonName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * The key under which `record` holds the field named `jsonName` in camelCase:
 * that name or its snake_case twin, whichever is present (the camelCase one
 * when both are, or neither).
 */
export function keyOf(record: Record<string, unknown>, jsonName: string): string {
  if (record[jsonName] !== undefined) return jsonName;
  const snake = protoName(jsonName);
  return record[snake] !== undefined ? snake : jsonName;
}

/** The field named `jsonName`, under either spelling. */
export const fieldOf = (record: Record<string, unknown>, jsonName: string): unknown =>
  record[keyOf(record, jsonName)];

/**
 * The key for a field the route adds: snake_case when the body already
 * names a field that way at the top (the caller writes proto names), else camelCase.
 */
export function newKeyFor(record: Record<string, unknown>, jsonName: string): string {
  const writesProtoNames = Object.keys(record).some((key) => key.includes('_'));
  return writesProtoNames ? protoName(jsonName) : jsonName;
}
