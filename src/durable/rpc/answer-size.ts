/**
 * How large a vault's answer is as the RPC will carry it. workerd refuses
 * to serialise an RPC argument or return value over 32 MiB, and refuses it
 * after the object's work is done: a vault that billed the searches of an
 * answer too large to send would have billed hits no one received, and the
 * caller would meet an uncoded failure. So a vault measures its answer
 * first and refuses it, coded and unbilled, when it would not fit.
 */

/** The most a vault answers in one call: workerd's 32 MiB, less room for the envelope. */
export const MAX_ANSWER_BYTES = 30 * 1024 * 1024;

/** Strings and byte arrays of a value, walked without recursion: their serialised size, at most. */
export function answerBytes(value: unknown, atMost = Infinity): number {
  let bytes = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      // One byte a character when the string is Latin-1, else two (V8's
      // serialiser writes a string as it holds it). Measured exactly only
      // once the cheap count comes near the limit.
      bytes += next.length;
      if (bytes > atMost / 2 && /[\u0100-\uffff]/.test(next)) bytes += next.length;
    } else if (ArrayBuffer.isView(next)) {
      bytes += next.byteLength;
    } else if (Array.isArray(next)) {
      bytes += 8;
      for (const item of next) pending.push(item);
    } else if (typeof next === 'object' && next !== null) {
      bytes += 8;
      for (const item of Object.values(next)) pending.push(item);
    } else {
      bytes += 8;
    }
    if (bytes > atMost) return bytes;
  }
  return bytes;
}
