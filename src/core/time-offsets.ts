/**
 * The offset from UTC a client wrote a time in ("2026-11-27T08:00:00+09:00":
 * +540 minutes), kept beside the Date a GraphQL DateTime input becomes (a
 * Date keeps only the instant). A search's `now` reads its calendar words in
 * it: "today" asked at 08:00 in Tokyo is Tokyo's day, not UTC's.
 */
const offsets = new WeakMap<Date, number>();

export function keepOffset(time: Date, offsetMinutes: number | undefined): Date {
  if (offsetMinutes !== undefined) offsets.set(time, offsetMinutes);
  return time;
}

/** The offset `time` was written in, in minutes; 0 (UTC) when it named none (milliseconds). */
export function offsetOf(time: Date): number {
  return offsets.get(time) ?? 0;
}
