// What the recall benchmark's config provides (inject('conversations')).
import type { RecallConversation } from './dataset';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Node environment's bench knobs (workerd's process.env does not carry them): SNAPSHOT_ROWS, SNAPSHOT_BENCH. */
    benchEnv: Record<string, string | undefined>;
    conversations: RecallConversation[];
    protocols: string;
    protocolMisses: string;
  }
}
