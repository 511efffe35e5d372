import type { MemoryWindow } from '@memoryrouter/client';

/** How many memories to take from each KRONOS window, as search and chat ask for them. */
export function WindowLimits({
  legend,
  windows,
  limits,
  onChange,
}: {
  legend: string;
  windows: readonly { window: MemoryWindow; hint?: string }[];
  limits: Record<string, number>;
  onChange: (limits: Record<string, number>) => void;
}) {
  return (
    <fieldset class="wide">
      <legend>{legend}</legend>
      {windows.map(({ window, hint }) => (
        <label key={window} class="window-limit">
          <span class={`dot ${window.toLowerCase()}`} /> {window}
          {hint === undefined ? null : (
            <>
              {' '}
              <small>{hint}</small>
            </>
          )}
          <input
            name={`limit-${window}`}
            type="number"
            min="0"
            max="50"
            value={limits[window]}
            onInput={(event) =>
              onChange({ ...limits, [window]: Number(event.currentTarget.value) })
            }
          />
        </label>
      ))}
    </fieldset>
  );
}
