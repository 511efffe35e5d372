/** Workers' SubtleCrypto extension (Node's typings, pulled in by the test tooling, lack it). */
interface WorkersSubtleCrypto {
  timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean;
}

/** Compares two secrets without leaking, through timing, where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return (crypto.subtle as unknown as WorkersSubtleCrypto).timingSafeEqual(left, right);
}
