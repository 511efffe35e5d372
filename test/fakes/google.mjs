// Gemini's generateContent and streamGenerateContent (alt=sse), as
// generativelanguage.googleapis.com speaks them: a bad key is a 400 with
// API_KEY_INVALID, unknown fields are refused by name, a field may be named
// in camelCase or snake_case (protobuf's JSON names; one field under both is
// refused), one object stands for a one-element list (`contents`, `parts`),
// a cache refuses a systemInstruction beside it, Gemma models
// refuse any systemInstruction, and events end with CRLF line breaks. Gemini
// 3 models sign their function calls and refuse one sent back without its
// signature.

import { answerFor, idFor, piecesOf, tokensOf } from './answers.mjs';
import { hangingResponse, sseResponse } from './sse.mjs';

const FIELDS = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'tools',
  'toolConfig',
  'tool_config',
  'safetySettings',
  'safety_settings',
  'generationConfig',
  'generation_config',
  'cachedContent',
  'cached_content',
  'labels',
]);
const PART_FIELDS = new Set([
  'text',
  'inlineData',
  'inline_data',
  'fileData',
  'file_data',
  'functionCall',
  'function_call',
  'functionResponse',
  'function_response',
  'thought',
  'thoughtSignature',
  'thought_signature',
  'executableCode',
  'codeExecutionResult',
  'videoMetadata',
]);
const PATH = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;
const STATUSES = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

class Refusal extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

export function googleError(status, message = 'scripted failure', details) {
  return {
    error: {
      code: status,
      message,
      status: STATUSES[status] ?? 'UNKNOWN',
      ...(details ? { details } : {}),
    },
  };
}

const snakeOf = (name) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const camelOf = (name) => name.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase());

/** Refuses an object naming one field twice (camelCase and snake_case); returns it in camelCase. */
function camelKeys(record, where) {
  const out = {};
  for (const [name, value] of Object.entries(record ?? {})) {
    const camel = camelOf(name);
    if (camel in out)
      throw new Refusal(
        400,
        `Invalid JSON payload received. Field "${camel}"${where} is set twice (as ${camel} and ${snakeOf(camel)}).`,
      );
    out[camel] = value;
  }
  return out;
}

/**
 * The body with its fields, its contents' and their parts' in camelCase,
 * after refusing a field named twice.
 */
function normalised(body) {
  const top = camelKeys(body, '');
  // Google's JSON parser reads one object where a list is due; its REST
  // examples write `contents` and `parts` so.
  const listed = (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? [value] : value;
  top.contents = listed(top.contents);
  if (Array.isArray(top.contents)) {
    top.contents = top.contents.map((content, index) => {
      if (typeof content !== 'object' || content === null) return content;
      const parts = Array.isArray(listed(content.parts))
        ? listed(content.parts).map((part, at) =>
            typeof part === 'object' && part !== null
              ? camelKeys(part, ` at 'contents[${index}].parts[${at}]'`)
              : part,
          )
        : content.parts;
      return { ...content, ...(parts ? { parts } : {}) };
    });
  }
  for (const name of ['generationConfig', 'toolConfig'])
    if (typeof top[name] === 'object' && top[name] !== null) top[name] = camelKeys(top[name], '');
  return top;
}

function check(raw, key) {
  if (!key.startsWith('AIza')) {
    throw new Refusal(400, 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Refusal(400, 'Invalid JSON payload received.');
  for (const field of Object.keys(raw)) {
    if (!FIELDS.has(field))
      throw new Refusal(
        400,
        `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`,
      );
  }
  const body = normalised(raw);
  if (!Array.isArray(body.contents) || body.contents.length === 0)
    throw new Refusal(400, '* GenerateContentRequest.contents: contents is not specified');
  if (body.cachedContent && (body.systemInstruction || body.tools || body.toolConfig)) {
    throw new Refusal(
      400,
      'CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request.',
    );
  }
  let calls = [];
  body.contents.forEach((content, index) => {
    for (const field of Object.keys(content ?? {})) {
      if (field !== 'role' && field !== 'parts')
        throw new Refusal(
          400,
          `Invalid JSON payload received. Unknown name "${field}" at 'contents[${index}]': Cannot find field.`,
        );
    }
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') {
      throw new Refusal(400, `Please use a valid role: user, model.`);
    }
    (content.parts ?? []).forEach((part, at) => {
      for (const field of Object.keys(part ?? {})) {
        if (!PART_FIELDS.has(field))
          throw new Refusal(
            400,
            `Invalid JSON payload received. Unknown name "${field}" at 'contents[${index}].parts[${at}]': Cannot find field.`,
          );
      }
      if (part.functionResponse && !calls.includes(part.functionResponse.name)) {
        throw new Refusal(
          400,
          'Please ensure that function response turn comes immediately after a function call turn.',
        );
      }
    });
    calls = (content.parts ?? []).filter((p) => p.functionCall).map((p) => p.functionCall.name);
  });
  for (const tool of body.tools ?? []) {
    for (const declaration of tool.functionDeclarations ?? []) {
      if (typeof declaration.name !== 'string')
        throw new Refusal(
          400,
          '* GenerateContentRequest.tools[0].function_declarations[0].name: Name cannot be empty.',
        );
      if (declaration.parameters && declaration.parametersJsonSchema)
        throw new Refusal(400, 'parameters and parametersJsonSchema are mutually exclusive');
    }
  }
  return body;
}

/** Gemini 3 models sign their function calls (thoughtSignature) and want the signature back. */
const signsCalls = (model) => model.startsWith('gemini-3');
const signatureFor = (name) => btoa(`signed call to ${name}`);

function checkSignatures(body) {
  body.contents.forEach((content, index) => {
    (content.parts ?? []).forEach((part, at) => {
      if (part.functionCall && part.thoughtSignature !== signatureFor(part.functionCall.name))
        throw new Refusal(
          400,
          `The function call ${part.functionCall.name} at contents[${index}].parts[${at}] came back without the thought_signature it was given; Gemini 3 models need it.`,
        );
    });
  });
}

function viewOf(body, script) {
  const contents = body.contents;
  const last = contents.at(-1);
  const user = [...contents]
    .reverse()
    .find(
      (c) =>
        (c.role ?? 'user') === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string'),
    );
  const response = (last.parts ?? []).find((p) => p.functionResponse)?.functionResponse;
  const config = body.generationConfig ?? {};
  const declarations = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
  const calling = body.toolConfig?.functionCallingConfig;
  const schema = config.responseJsonSchema ?? config.responseSchema;
  return {
    host: 'generativelanguage.googleapis.com',
    userText: (user?.parts ?? [])
      .filter((p) => typeof p.text === 'string')
      .map((p) => p.text)
      .join('\n'),
    toolResult: response ? JSON.stringify(response.response) : null,
    images: (user?.parts ?? []).filter((p) => p.inlineData).map((p) => p.inlineData.mimeType),
    tools: declarations.map((d) => ({
      name: d.name,
      parameters: d.parametersJsonSchema ?? d.parameters,
    })),
    toolChoice:
      calling?.mode === 'NONE'
        ? 'none'
        : calling?.allowedFunctionNames?.length
          ? { name: calling.allowedFunctionNames[0] }
          : 'auto',
    format: schema
      ? { type: 'json_schema', schema }
      : config.responseMimeType === 'application/json'
        ? { type: 'json_object' }
        : null,
    reply: script.reply ?? null,
    toolArguments: script.toolArguments ?? null,
  };
}

export async function googleFake(request, url, call, script) {
  try {
    const match = PATH.exec(url.pathname);
    if (request.method !== 'POST' || match === null)
      throw new Refusal(404, `Not Found: ${url.pathname}`);
    if (script.status) {
      return Response.json(script.body ?? googleError(script.status), {
        status: script.status,
        headers: script.headers ?? {},
      });
    }
    const key = request.headers.get('x-goog-api-key') ?? url.searchParams.get('key') ?? '';
    let body;
    try {
      body = JSON.parse(call.rawBody);
    } catch {
      throw new Refusal(400, 'Invalid JSON payload received.');
    }
    body = check(body, key);
    const model = match[2];
    if (!/^(gemini-|gemma-)/.test(model)) {
      throw new Refusal(
        404,
        `models/${model} is not found for API version ${match[1]}, or is not supported for generateContent.`,
      );
    }
    // Gemma models refuse any system instruction, an empty one too.
    if (model.startsWith('gemma-') && body.systemInstruction !== undefined)
      throw new Refusal(400, `Developer instruction is not enabled for models/${model}`);
    if (signsCalls(model)) checkSignatures(body);
    const stream = match[3] === 'streamGenerateContent';
    if (stream && url.searchParams.get('alt') !== 'sse')
      throw new Refusal(400, 'this fake streams only with alt=sse');
    if (script.mode === 'hang' && !stream) return hangingResponse(call);
    const answer = answerFor(viewOf(body, script));
    const usageMetadata = {
      promptTokenCount: tokensOf(body.contents),
      candidatesTokenCount: tokensOf(answer.text ?? answer.toolCall),
      totalTokenCount: tokensOf(body.contents) + tokensOf(answer.text ?? answer.toolCall),
    };
    const call0 = answer.toolCall
      ? {
          functionCall: { name: answer.toolCall.name, args: JSON.parse(answer.toolCall.arguments) },
          ...(signsCalls(model) ? { thoughtSignature: signatureFor(answer.toolCall.name) } : {}),
        }
      : null;
    const candidate = (parts, finish) => ({
      content: { parts, role: 'model' },
      index: 0,
      ...(finish ? { finishReason: script.finish ?? 'STOP' } : {}),
    });
    const envelope = { modelVersion: model, responseId: `resp_fake_${idFor(call.rawBody)}` };
    // responseModalities without TEXT (image or speech models): the answer is
    // one inlineData part, no text at all.
    const modalities = body.generationConfig?.responseModalities;
    if (Array.isArray(modalities) && !modalities.includes('TEXT') && !call0) {
      const media = modalities.includes('AUDIO')
        ? { mimeType: 'audio/L16;codec=pcm;rate=24000', data: 'AAAA' }
        : { mimeType: 'image/png', data: 'iVBORw0KGgo=' };
      const whole = {
        candidates: [candidate([{ inlineData: media }], true)],
        usageMetadata,
        ...envelope,
      };
      if (!stream) return Response.json(whole);
      return sseResponse({
        frames: [[null, whole]],
        mode: script.mode,
        call,
        firstText: 1,
        lineEnd: '\r\n',
      });
    }

    if (!stream) {
      return Response.json({
        candidates: [candidate(call0 ? [call0] : [{ text: answer.text }], true)],
        usageMetadata,
        ...envelope,
      });
    }
    const pieces = call0 ? [] : piecesOf(answer.text);
    const frames = call0
      ? [[null, { candidates: [candidate([call0], true)], usageMetadata, ...envelope }]]
      : pieces.map((text, i) => [
          null,
          {
            candidates: [candidate([{ text }], i === pieces.length - 1)],
            ...(i === pieces.length - 1 ? { usageMetadata } : {}),
            ...envelope,
          },
        ]);
    return sseResponse({
      frames,
      mode: script.mode,
      call,
      firstText: 1,
      lineEnd: '\r\n',
      // Gemini sends no keep-alive; a chunk whose part holds no text, as its
      // streams sometimes carry, is what trickle repeats.
      idleFrame: [null, { candidates: [candidate([{ text: '' }], false)], ...envelope }],
      errorFrame: [null, googleError(503, 'The model is overloaded. Please try again later.')],
    });
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return Response.json(googleError(error.status, error.message, error.details), {
      status: error.status,
    });
  }
}
