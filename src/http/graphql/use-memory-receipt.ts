import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from '../../resolvers/request-context';

/**
 * Adds `extensions.memory` to every response that read memory: the vaults
 * called (and how often), the windows searched with their hits, memory tokens
 * returned, and time spent inside the vault objects.
 */
export function useMemoryReceipt(): Plugin<RequestContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const receipt = (args.contextValue as RequestContext).receipt.toJSON();
          if (receipt === null || Symbol.asyncIterator in result) return;
          setResult({ ...result, extensions: { ...result.extensions, memory: receipt } });
        },
      };
    },
  };
}
