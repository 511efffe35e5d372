import { CodedError } from '../../core/errors';
import { isRecord } from '../../providers/native';
import type { ResponseFormat, ToolChoice, ToolSpec } from '../../providers/types';

/** Most tools one call may offer (OpenAI's own limit). */
export const MAX_TOOLS = 128;
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const bad = (message: string) => new CodedError('BAD_USER_INPUT', message, 'INVALID_TOOLS');

/**
 * Tools as JSON: a list of `{ name, description?, parameters? }`, or OpenAI's
 * `{ type: "function", function: { … } }` form. `parameters` is a JSON Schema
 * object (default: no arguments).
 */
export function parseTools(raw: unknown, where = 'tools'): ToolSpec[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw bad(`${where} must be a list of tools`);
  if (raw.length > MAX_TOOLS) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `${where}: at most ${MAX_TOOLS} tools`,
      'INVALID_TOOLS',
    );
  }
  const names = new Set<string>();
  return raw.map((entry: unknown, index) => {
    const tool =
      isRecord(entry) && entry.type === 'function' && isRecord(entry.function)
        ? entry.function
        : entry;
    if (!isRecord(tool) || typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      throw bad(`${where}[${index}] needs a name of 1–64 letters, digits, _ or -`);
    }
    if (names.has(tool.name)) throw bad(`${where}[${index}]: the name ${tool.name} is used twice`);
    names.add(tool.name);
    const parameters = tool.parameters ?? { type: 'object', properties: {} };
    if (!isRecord(parameters))
      throw bad(`${where}[${index}].parameters must be a JSON Schema object`);
    if (tool.description !== undefined && typeof tool.description !== 'string') {
      throw bad(`${where}[${index}].description must be text`);
    }
    return {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters,
    };
  });
}

/** `"auto"`, `"none"`, `"required"`, `{ name }` or OpenAI's `{ type: "function", function: { name } }`. */
export function parseToolChoice(
  raw: unknown,
  tools: ToolSpec[],
  where = 'toolChoice',
): ToolChoice | null {
  if (raw === null || raw === undefined) return null;
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  const named = isRecord(raw) && isRecord(raw.function) ? raw.function : raw;
  if (isRecord(named) && typeof named.name === 'string') {
    if (!tools.some((tool) => tool.name === named.name)) {
      throw bad(`${where} names ${named.name}, which is not among the tools`);
    }
    return { name: named.name };
  }
  throw bad(`${where} must be "auto", "none", "required" or { "name": "…" }`);
}

/**
 * `{ type: "text" }`, `{ type: "json_object" }`, or `{ type: "json_schema",
 * schema, name?, strict? }` (OpenAI's nested `json_schema: { … }` form too).
 */
export function parseResponseFormat(raw: unknown, where = 'responseFormat'): ResponseFormat | null {
  if (raw === null || raw === undefined) return null;
  if (!isRecord(raw)) throw bad(`${where} must be an object with a type`);
  if (raw.type === 'text' || raw.type === 'json_object') return { type: raw.type };
  if (raw.type === 'json_schema') {
    const spec = isRecord(raw.json_schema) ? raw.json_schema : raw;
    if (!isRecord(spec.schema)) throw bad(`${where}.schema must be a JSON Schema object`);
    const name = typeof spec.name === 'string' && TOOL_NAME.test(spec.name) ? spec.name : 'answer';
    return {
      type: 'json_schema',
      name,
      schema: spec.schema,
      ...(typeof spec.strict === 'boolean' ? { strict: spec.strict } : {}),
    };
  }
  throw bad(`${where}.type must be text, json_object or json_schema`);
}
