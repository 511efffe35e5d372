import { runInDurableObject } from 'cloudflare:test';

/**
 * Runs a Durable Object's alarm handler now, as the runtime does when the
 * alarm falls due, after `prepare` (which makes something due, say, through
 * writeMetaBeneath with the object it is given). Alarms
 * never run on their own in tests (test/setup/held-alarms.ts), so this is the
 * only run and nothing races it. Returns the time the object re-armed its
 * alarm for (null: it did not), and disarms it, so a later test step sees
 * only what it runs itself.
 */
export async function runAlarm(
  stub: DurableObjectStub,
  prepare?: (state: DurableObjectState, object: unknown) => unknown,
): Promise<number | null> {
  return runInDurableObject(stub, async (instance, state) => {
    await prepare?.(state, instance);
    await state.storage.deleteAlarm();
    await (instance as unknown as { alarm(): Promise<void> }).alarm();
    const rearmed = await state.storage.getAlarm();
    await state.storage.deleteAlarm();
    return rearmed;
  });
}

/** The time a Durable Object's alarm is armed for, or null. */
export function armedAlarm(stub: DurableObjectStub): Promise<number | null> {
  return runInDurableObject(stub, (_, state) => state.storage.getAlarm());
}
