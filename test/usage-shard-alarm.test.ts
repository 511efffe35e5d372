import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { usageShardStub } from '../src/durable/rpc/stubs';
import { UsageDocument } from './generated/graphql';
import { newKey } from './helpers/graphql';

/** Counts the shard's alarm reads from now on (the object runs in this isolate). */
async function countAlarmReads(shard: ReturnType<typeof usageShardStub>) {
  return runInDurableObject(shard, (_, state) => {
    const storage = state.storage as { getAlarm: DurableObjectStorage['getAlarm'] };
    const read = storage.getAlarm.bind(state.storage);
    const counter = { reads: 0 };
    storage.getAlarm = (...args) => {
      counter.reads++;
      return read(...args);
    };
    return counter;
  });
}

describe('a usage shard and its alarm', () => {
  it('reads its alarm once while it is set, and sets it again for usage recorded after it ran', async () => {
    const { accountId, keyId, api } = await newKey();
    const shard = usageShardStub(env, accountId, 0);
    const alarmOf = () => runInDurableObject(shard, (_, state) => state.storage.getAlarm());

    await shard.record(accountId, keyId, 5);
    expect(await alarmOf()).not.toBeNull();
    const counter = await countAlarmReads(shard);
    for (let call = 0; call < 4; call++) await shard.record(accountId, keyId, 1);
    expect(counter.reads).toBe(0);

    // The alarm sends the batch; usage recorded after it needs an alarm of its own.
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await alarmOf()).toBeNull();
    await shard.record(accountId, keyId, 11);
    expect(await alarmOf()).not.toBeNull();
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await shard.backlog()).toEqual({ sealedBatches: 0, pendingTokens: 0 });
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(20);
  });
});
