import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from '../../resolvers/request-context';

/**
 * Adds `extensions.memory` to every response that read memory: the vaults
 * called (and how often), the windows searched with their hits, memory tokens
 * metered, and time spent inside the vault objects. A subscription (chat over
 * SSE or WebSocket) gets it where its outcome is known: on an error before
 * the stream, on an error event, and on the final event (`done`); not on
 * each delta.
 */
export function useMemoryReceipt(): Plugin<RequestContext> {
  const withReceipt = (context: RequestContext, result: ExecutionResult) => {
    const receipt = context.receipt.toJSON();
    return receipt === null
      ? null
      : { ...result, extensions: { ...result.extensions, memory: receipt } };
  };
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          const receipted = withReceipt(args.contextValue as RequestContext, result);
          if (receipted !== null) setResult(receipted);
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ args, result, setResult }) {
          const context = args.contextValue as RequestContext;
          if (!(Symbol.asyncIterator in result)) {
            const receipted = withReceipt(context, result);
            if (receipted !== null) setResult(receipted);
            return;
          }
          return {
            onNext({ result: event, setResult: setEvent }) {
              if (!event.errors?.length && !isFinal(event)) return;
              const receipted = withReceipt(context, event);
              if (receipted !== null) setEvent(receipted);
            },
          };
        },
      };
    },
  };
}

/** An event whose root field says `done: true` (the chat subscription's last). */
function isFinal(event: ExecutionResult): boolean {
  const data = event.data;
  if (data == null) return false;
  return Object.values(data).some(
    (field) =>
      typeof field === 'object' && field !== null && (field as { done?: unknown }).done === true,
  );
}
