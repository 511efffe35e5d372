import type { ComponentChildren } from 'preact';
import type { Memory } from '@memoryrouter/client';
import { formatTime } from '../format';

/** A memory: its text, who said it and when, its metadata and tokens. */
export function MemoryCard({ memory, children }: { memory: Memory; children?: ComponentChildren }) {
  const metadata =
    memory.metadata !== null && typeof memory.metadata === 'object'
      ? Object.entries(memory.metadata as Record<string, unknown>)
      : [];
  return (
    <li class="card memory" data-memory-id={memory.id}>
      <p class="content">{memory.content}</p>
      <div class="meta">
        <span class="role">{memory.role}</span>
        <time dateTime={memory.createdAt}>{formatTime(memory.createdAt)}</time>
        <span>{memory.tokens} tokens</span>
        {metadata.map(([key, value]) => (
          <span class="chip" key={key}>
            {key}: {typeof value === 'string' ? value : JSON.stringify(value)}
          </span>
        ))}
        {children}
      </div>
    </li>
  );
}
