// Alarms in the workerd test projects run only when a test runs them
// (test/helpers/alarms.ts), never on their own: a snapshot, checkpoint or
// meter flush the runtime fired in the middle of a test would race its
// manual run and its assertions (a flush re-arms 5 s after a failure, a
// vault 30 s after a write, a new Stripe customer at once).
//
// The Durable Object classes are the ones the runtime instantiates (the test
// isolate shares the Worker's modules), so the alarm handler is wrapped on
// their prototypes. The runtime calls it with its invocation info; a test
// calls it with none. A held alarm is consumed, like one that ran.
import { AccountObject } from '../../src/durable/account/account-object';
import { CreatedResponsesObject } from '../../src/durable/account/created-responses-object';
import { VaultObject } from '../../src/durable/vault/vault-object';

type AlarmHandler = (info?: AlarmInvocationInfo) => Promise<void>;
const HELD = Symbol.for('memoryrouter.test.held-alarms');

for (const objectClass of [VaultObject, AccountObject, CreatedResponsesObject]) {
  const prototype = objectClass.prototype as unknown as { alarm: AlarmHandler; [HELD]?: true };
  if (prototype[HELD]) continue;
  const run = prototype.alarm;
  prototype.alarm = async function (this: unknown, info?: AlarmInvocationInfo) {
    if (info !== undefined) return;
    return run.call(this);
  };
  prototype[HELD] = true;
}
