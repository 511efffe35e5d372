import { env } from 'cloudflare:workers';
import { GoogleGenAI } from '@google/genai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import {
  anthropicClient,
  keyWithMemory,
  openAiClient,
  postJson,
  upstreamCalls,
} from '../helpers/drop-in';

/**
 * The drop-in routes take images and PDFs inline, as base64, so their body
 * limit (MAX_DROP_IN_REQUEST_BYTES) is larger than the rest of the API's
 * (MAX_REQUEST_BYTES). The tests' limits are small (vitest.config.ts): 256
 * KiB and 1 MiB; an image between the two stands for a 5 MiB one under the
 * deployed 4 MiB and 20 MiB.
 */

const GENERAL_LIMIT = Number(env.MAX_REQUEST_BYTES);
const DROP_IN_LIMIT = Number(env.MAX_DROP_IN_REQUEST_BYTES);

/** Base64 of an image larger than the general limit and well inside the drop-in one. */
const IMAGE = 'iVBORw0KGgo'.padEnd(Math.floor((GENERAL_LIMIT + DROP_IN_LIMIT) / 2), 'A');

describe('the drop-in routes’ own body limit', () => {
  beforeEach(resetFakes);

  it('holds the deployment’s limits apart: the drop-in one is the larger', () => {
    expect(IMAGE.length).toBeGreaterThan(GENERAL_LIMIT);
    expect(DROP_IN_LIMIT).toBeGreaterThan(IMAGE.length + 64 * 1024);
  });

  it('OpenAI chat and Responses take an inline image over MAX_REQUEST_BYTES, passed on whole', async () => {
    const { secret } = await keyWithMemory();
    const client = openAiClient(secret);
    const dataUrl = `data:image/png;base64,${IMAGE}`;
    const chat = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is in this picture?' },
            { type: 'image_url', image_url: { url: dataUrl } },
          ],
        },
      ],
    });
    expect(chat.choices[0]!.message.content).toBeTruthy();
    const responses = await client.responses.create({
      model: 'gpt-4o',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is in this picture?' },
            { type: 'input_image', image_url: dataUrl, detail: 'auto' },
          ],
        },
      ],
    });
    expect(responses.output_text).toBeTruthy();
    const calls = await upstreamCalls('api.openai.com');
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call.rawBody).toContain(dataUrl);
  });

  it('Anthropic takes an inline image over MAX_REQUEST_BYTES, passed on whole', async () => {
    const { secret } = await keyWithMemory();
    const client = anthropicClient(secret);
    const message = await client.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 50,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is in this picture?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: IMAGE } },
          ],
        },
      ],
    });
    expect(message.content.length).toBeGreaterThan(0);
    const [call] = await upstreamCalls('api.anthropic.com');
    expect(call!.rawBody).toContain(IMAGE);
  });

  it('Gemini takes inline data over MAX_REQUEST_BYTES, passed on whole', async () => {
    const { secret } = await keyWithMemory();
    const ai = new GoogleGenAI({
      apiKey: secret,
      httpOptions: { baseUrl: BASE_URL, fetch: workerFetch, headers: { 'x-provider-key': 'AIza' } },
    });
    const answer = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'what is in this picture?' },
            { inlineData: { mimeType: 'image/png', data: IMAGE } },
          ],
        },
      ],
    });
    expect(answer.text).toBeTruthy();
    const [call] = await upstreamCalls('generativelanguage.googleapis.com');
    expect(call!.rawBody).toContain(IMAGE);
  });

  it('GraphQL keeps MAX_REQUEST_BYTES; a drop-in body over its own limit is refused, naming it', async () => {
    const { secret } = await keyWithMemory();
    const graphql = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: '{ __typename }', variables: { image: IMAGE } }),
    });
    expect(graphql.status).toBe(413);

    const headers = { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test' };
    const huge = await postJson(
      '/v1/chat/completions',
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        padding: 'x'.repeat(DROP_IN_LIMIT),
      },
      headers,
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        reason: 'BODY_TOO_LARGE',
        message: `request body is larger than the limit of ${DROP_IN_LIMIT} bytes`,
      },
    });

    // A chunked body (no Content-Length) is counted as it is read.
    const chunked = await workerFetch(`${BASE_URL}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: new Blob([
        JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: IMAGE }] }),
      ]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    expect(await upstreamCalls('api.openai.com')).toHaveLength(1);
  });

  it('answers 413 to a body Content-Length declares too large without reading it; a chunked one as it is read', async () => {
    const { secret } = await keyWithMemory();
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${secret}`,
      'x-api-key': secret,
      'x-goog-api-key': secret,
      'x-provider-key': 'sk-test',
    };
    const CHUNK = 1024 * 1024;
    /** A body of `size` bytes, made in 1 MiB chunks as they are pulled; counts what was pulled. */
    const counted = (size: number) => {
      const sent = { bytes: 0 };
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (sent.bytes >= size) return controller.close();
            const chunk = new Uint8Array(Math.min(CHUNK, size - sent.bytes)).fill(0x20);
            sent.bytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
        },
        { highWaterMark: 0 },
      );
      return { body, sent };
    };
    for (const [path, limit] of [
      ['/v1/chat/completions', DROP_IN_LIMIT],
      ['/v1/responses', DROP_IN_LIMIT],
      ['/v1/messages', DROP_IN_LIMIT],
      ['/v1beta/models/gemini-2.5-flash:generateContent', DROP_IN_LIMIT],
      ['/graphql', GENERAL_LIMIT],
    ] as const) {
      // Past the limit and past the 8 MiB the Worker reads of a body it
      // drops (DISCARD_LIMIT_BYTES), as every over-limit body is under the
      // deployed 20 MiB limit. Before: the Worker read 8 MiB of it and cut
      // the rest, which `wrangler dev` answered with a bare 500 "Network
      // connection lost" or a dropped connection (review201 F1); now it is
      // left unread, for the runtime to drain or discard.
      const size = 9 * 1024 * 1024;
      const declared = counted(size);
      const refused = await workerFetch(`${BASE_URL}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(size) },
        body: declared.body,
        duplex: 'half',
      } as RequestInit);
      expect(refused.status, path).toBe(413);
      const text = await refused.text();
      expect(text, path).toContain('PAYLOAD_TOO_LARGE');
      expect(text, path).toContain(`request body is larger than the limit of ${limit} bytes`);
      expect(declared.sent.bytes, path).toBeLessThanOrEqual(CHUNK);

      // Chunked: counted as it is read, then drained, as before.
      const chunked = counted(limit + CHUNK);
      const counting = await workerFetch(`${BASE_URL}${path}`, {
        method: 'POST',
        headers,
        body: chunked.body,
        duplex: 'half',
      } as RequestInit);
      expect(counting.status, path).toBe(413);
      expect(await counting.text(), path).toContain('BODY_TOO_LARGE');
      expect(chunked.sent.bytes, path).toBe(limit + CHUNK);
    }
    expect(await upstreamCalls('api.openai.com')).toHaveLength(0);
  });
});
