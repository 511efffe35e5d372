import { builder } from './builder';
import { VaultKindEnum } from './enums';

export const VaultSelectorInput = builder.inputType('VaultSelector', {
  description:
    'Which vault: CORE needs no id; SESSION takes a session id, EPHEMERAL a conversation id.',
  fields: (t) => ({
    kind: t.field({ type: VaultKindEnum, required: true, description: 'The kind of vault.' }),
    id: t.string({
      required: false,
      description:
        'Session id (SESSION) or conversation id (EPHEMERAL): 1–128 of A–Z a–z 0–9 . _ : @ ~ -',
    }),
  }),
});
