import { describe, expect, it } from 'vitest';
import { CodedError } from '../../src/core/errors';
import {
  responsesDecoding,
  ResponsesStreamDecoder,
} from '../../src/providers/openai/responses-decode';

/** One named event, as eventsource-parser hands it over. */
const event = (type: string, fields: Record<string, unknown>, sequence: number) => ({
  event: type,
  data: JSON.stringify({ type, ...fields, sequence_number: sequence }),
});

describe('reading the Responses API’s answers', () => {
  it('a stream ended by response.incomplete is complete, with its status and usage, and [DONE] is tolerated', () => {
    const decoder = new ResponsesStreamDecoder('compatible', null);
    expect(decoder.push(event('response.output_text.delta', { delta: 'Half an ' }, 4))).toEqual([
      { type: 'text', text: 'Half an ' },
    ]);
    expect(decoder.complete).toBe(false);
    decoder.push(
      event(
        'response.incomplete',
        { response: { status: 'incomplete', usage: { input_tokens: 9, output_tokens: 3 } } },
        5,
      ),
    );
    expect(decoder.complete).toBe(true);
    expect(decoder.nextSequence).toBe(6);
    expect(decoder.push({ data: '[DONE]' })).toEqual([]);
    expect(decoder.end()).toEqual({
      finishReason: 'incomplete',
      usage: { inputTokens: 9, outputTokens: 3 },
    });
  });

  it('the provider’s error event is STREAM_BROKEN with its code and message', () => {
    const decoder = new ResponsesStreamDecoder('openai', 'sk-secret-123456');
    let thrown: unknown = null;
    try {
      decoder.push(
        event('error', { code: 'rate_limit_exceeded', message: 'Slow down', param: null }, 2),
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CodedError);
    expect(thrown).toMatchObject({ code: 'UPSTREAM_ERROR', reason: 'STREAM_BROKEN' });
    expect((thrown as Error).message).toContain('rate_limit_exceeded: Slow down');
  });

  it('a whole response: its output text and function calls; one without output is refused', () => {
    const answer = responsesDecoding.decodeBody(
      'openai',
      JSON.stringify({
        object: 'response',
        status: 'completed',
        error: null,
        output: [
          { type: 'reasoning', id: 'rs_1', summary: [] },
          {
            type: 'message',
            role: 'assistant',
            content: [
              { type: 'output_text', text: 'Lisbon, ', annotations: [] },
              { type: 'refusal', refusal: 'not this part' },
              { type: 'output_text', text: 'by the sea.', annotations: [] },
            ],
          },
          { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{}' },
        ],
        usage: { input_tokens: 20, output_tokens: 6 },
      }),
      null,
    );
    expect(answer).toEqual({
      text: 'Lisbon, by the sea.',
      toolCalls: [{ id: 'call_9', name: 'get_weather', arguments: '{}' }],
      finishReason: 'completed',
      usage: { inputTokens: 20, outputTokens: 6 },
    });
    expect(() => responsesDecoding.decodeBody('openai', '{"object":"response"}', null)).toThrow(
      /no output/,
    );
  });
});
