import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatInput, ChatResult, MemoryRouterClient, MemoryWindow } from '@memoryrouter/client';
import { ErrorBanner } from '../components/error-banner';
import { MemoryCard } from '../components/memory-card';
import { WindowLimits } from '../components/window-limits';
import { countOf, formatNumber, vaultLabel } from '../format';

const PROVIDERS = [
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4'],
  ['google', 'gemini-2.5-flash'],
  ['openrouter', 'meta-llama/llama-3.3-70b'],
  ['compatible', 'llama3.2'],
] as const;

const MODES = [
  ['READ_WRITE', 'READ_WRITE (read, store)'],
  ['READ', 'READ (inject only)'],
  ['WRITE', 'WRITE (store only)'],
  ['OFF', 'OFF (no memory)'],
] as const;

const WINDOWS: MemoryWindow[] = ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'];

/**
 * A chat with memory through the user's own provider key, streamed over the
 * GraphQL subscription (the typed client's chat). The provider key lives in
 * this component's state only: never in storage, a URL or a log.
 */
export function ChatScreen({ client }: { client: MemoryRouterClient }) {
  const [provider, setProvider] = useState<string>(PROVIDERS[0][0]);
  const [model, setModel] = useState<string>(PROVIDERS[0][1]);
  const [providerKey, setProviderKey] = useState('');
  const [mode, setMode] = useState<NonNullable<ChatInput['memoryMode']>>('READ_WRITE');
  const [sessionId, setSessionId] = useState('');
  const [conversationId, setConversationId] = useState('');
  const [limits, setLimits] = useState<Record<string, number>>({
    HOT: 4,
    WORKING: 4,
    LONG_TERM: 4,
    ARCHIVE: 0,
  });
  const [message, setMessage] = useState('');
  const [answer, setAnswer] = useState('');
  const [result, setResult] = useState<ChatResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Whether the answer shown was cut short by Stop (what came so far stays shown).
  const [stopped, setStopped] = useState(false);
  const running = useRef<AbortController | null>(null);
  // Leaving the screen (another screen, signing out) stops a running answer:
  // the stream closes, and the server ends the provider call and stores no turn.
  useEffect(() => () => running.current?.abort(), []);

  const stop = () => {
    running.current?.abort();
    running.current = null;
    setBusy(false);
    setStopped(true);
  };

  const send = async (event: Event) => {
    event.preventDefault();
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setError(null);
    setAnswer('');
    setResult(null);
    setStopped(false);
    setBusy(true);
    const input: ChatInput = {
      model: `${provider}/${model.trim()}`,
      messages: [{ role: 'USER', content: message }],
      memoryMode: mode,
      // Every window as set, 0 included: a window of limit 0 is not read, all
      // at 0 injects nothing (the turn is still stored in READ_WRITE and
      // WRITE); left out, they made `windows: []`, refused as INVALID_WINDOWS.
      windows: WINDOWS.map((window) => ({ window, limit: limits[window] ?? 0 })),
      ...(sessionId.trim() === '' ? {} : { sessionId: sessionId.trim() }),
      ...(conversationId.trim() === '' ? {} : { conversationId: conversationId.trim() }),
    };
    try {
      let text = '';
      for await (const chatEvent of client.chat(input, {
        ...(providerKey === '' ? {} : { providerKey }),
        signal: controller.signal,
      })) {
        if (chatEvent.delta) setAnswer((text += chatEvent.delta));
        if (chatEvent.done && chatEvent.result) {
          setAnswer(chatEvent.result.content);
          setResult(chatEvent.result);
        }
      }
    } catch (caught) {
      if (!controller.signal.aborted) setError(caught);
    } finally {
      if (running.current === controller) setBusy(false);
    }
  };

  return (
    <section>
      <header class="screen-header">
        <h1>Chat playground</h1>
      </header>
      <form class="card chat-form" onSubmit={send}>
        <label>
          Provider
          <select
            name="provider"
            value={provider}
            onChange={(event) => {
              const chosen = PROVIDERS.find(([name]) => name === event.currentTarget.value);
              setProvider(event.currentTarget.value);
              if (chosen) setModel(chosen[1]);
            }}
          >
            {PROVIDERS.map(([name]) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input
            name="model"
            value={model}
            onInput={(event) => setModel(event.currentTarget.value)}
            required
          />
        </label>
        <label class="wide">
          Provider key
          <input
            name="providerKey"
            type="password"
            autocomplete="off"
            value={providerKey}
            onInput={(event) => setProviderKey(event.currentTarget.value)}
            placeholder="sk-…"
          />
        </label>
        <p class="notice wide" data-testid="provider-key-notice">
          Your provider key stays in this page's memory only: it is never saved in the browser's
          storage, and is sent only with this chat, to MemoryRouter, which passes it to the
          provider. Reloading or leaving the page forgets it.
        </p>
        <label>
          Memory mode
          <select
            name="memoryMode"
            value={mode}
            onChange={(event) => setMode(event.currentTarget.value as typeof mode)}
          >
            {MODES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Session vault (optional)
          <input
            name="sessionId"
            value={sessionId}
            onInput={(event) => setSessionId(event.currentTarget.value)}
            placeholder="user-42"
          />
        </label>
        <label>
          Conversation (EPHEMERAL vault, optional)
          <input
            name="conversationId"
            value={conversationId}
            onInput={(event) => setConversationId(event.currentTarget.value)}
            placeholder="chat-7"
          />
        </label>
        <WindowLimits
          legend="Memories injected per window"
          windows={WINDOWS.map((window) => ({ window }))}
          limits={limits}
          onChange={setLimits}
        />
        <label class="wide">
          Message
          <textarea
            name="message"
            value={message}
            onInput={(event) => setMessage(event.currentTarget.value)}
            placeholder="What should I cook tonight?"
            required
          />
        </label>
        <div class="actions wide">
          <button type="submit" disabled={busy}>
            {busy ? 'Answering…' : 'Send'}
          </button>
          {busy ? (
            <button type="button" class="secondary" onClick={stop}>
              Stop
            </button>
          ) : null}
        </div>
      </form>
      <ErrorBanner error={error} />
      {answer !== '' || result ? (
        <div
          class="card chat-answer"
          data-testid="chat-answer"
          aria-live="polite"
          aria-busy={busy ? 'true' : 'false'}
        >
          {answer}
        </div>
      ) : null}
      {/* Always present, so a screen reader hears each change: answering, done, stopped. */}
      <p class="notice chat-status" role="status" aria-live="polite" data-testid="chat-status">
        {busy ? (
          'Answering…'
        ) : stopped ? (
          <span data-testid="chat-stopped">
            Stopped: the answer above is what arrived before you stopped it.
          </span>
        ) : result ? (
          `Answer complete: ${countOf(result.memory.hits.length, 'memory', 'memories')} injected.`
        ) : null}
      </p>
      {result ? <ChatReceipt result={result} /> : null}
    </section>
  );
}

/** What the API reported of the memory: tokens injected and billed, the turn, the hits. */
function ChatReceipt({ result }: { result: ChatResult }) {
  const { memory } = result;
  return (
    <details class="card receipt" open data-testid="chat-receipt">
      <summary>Receipt</summary>
      <dl>
        <dt>Provider</dt>
        <dd data-field="provider">{result.provider}</dd>
        <dt>Model</dt>
        <dd>
          <code>{result.model}</code>
        </dd>
        <dt>Memory tokens</dt>
        <dd data-field="memoryTokens">{formatNumber(memory.memoryTokens)}</dd>
        <dt>Turn stored</dt>
        <dd data-field="turn">
          {memory.turn
            ? memory.turn.stored
              ? `yes (${countOf(memory.turn.memories, 'memory', 'memories')})`
              : `no${memory.turn.reason ? ` (${memory.turn.reason})` : ''}`
            : '—'}
        </dd>
        <dt>Memories injected</dt>
        <dd data-field="hits">{memory.hits.length}</dd>
      </dl>
      <ol class="memory-list">
        {memory.hits.map((hit) => (
          <MemoryCard memory={hit.memory} key={hit.memory.id}>
            <span class="chip">{hit.window}</span>
            <span class="chip">
              {vaultLabel(hit.memory.vault.kind, hit.memory.vault.externalId)}
            </span>
          </MemoryCard>
        ))}
      </ol>
    </details>
  );
}
