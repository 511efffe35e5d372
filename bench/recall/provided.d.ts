// What the recall benchmark's config provides (inject('conversations')).
import type { RecallConversation } from './dataset';

declare module 'vitest' {
  export interface ProvidedContext {
    conversations: RecallConversation[];
    protocols: string;
    protocolMisses: string;
  }
}
