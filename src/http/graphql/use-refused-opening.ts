import type { Plugin } from 'graphql-yoga';
import { takeRefusedOpening } from '../../resolvers/refused-openings';

/**
 * A chat subscription refused while it opened answers `{ errors }` (and its
 * receipt), as it did when `subscribe` itself threw the refusal, not the
 * `{ data: null, errors }` graphql-js makes of the stream's event whose
 * field throws it (resolvers/refused-openings.ts). The same on SSE and
 * WebSocket: both run the operation through these plugins.
 */
export function useRefusedOpening(): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          return {
            onNext({ result, setResult }) {
              if (!takeRefusedOpening(args.contextValue as object)) return;
              // eslint-disable-next-line @typescript-eslint/no-unused-vars -- left out on purpose
              const { data, ...refusal } = result;
              setResult(refusal);
            },
          };
        },
      };
    },
  };
}
