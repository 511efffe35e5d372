import type { VaultSelector } from '@memoryrouter/client';

const numberFormat = new Intl.NumberFormat('en');

export const formatNumber = (value: number) => numberFormat.format(value);

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A time as the reader's local date and time, to the minute. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "in 23 h", "3 d ago": how far a time is from now. */
export function formatRelative(iso: string, now = Date.now()): string {
  const delta = Date.parse(iso) - now;
  const abs = Math.abs(delta);
  const [value, unit] =
    abs < 3_600_000
      ? [Math.round(abs / 60_000), 'min']
      : abs < 86_400_000
        ? [Math.round(abs / 3_600_000), 'h']
        : [Math.round(abs / 86_400_000), 'd'];
  return delta >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

/** "CORE", "SESSION user-42": a vault as people read it. */
export function vaultLabel(kind: string, id: string | null | undefined): string {
  return kind === 'CORE' || !id ? kind : `${kind} ${id}`;
}

export function selectorOf(vault: {
  kind: VaultSelector['kind'];
  externalId: string | null;
}): VaultSelector {
  return vault.kind === 'CORE' ? { kind: 'CORE' } : { kind: vault.kind, id: vault.externalId };
}

/** "1 memory", "2 memories", "1,000 hits": a count and its noun, singular for one. */
export function countOf(count: number, one: string, many = `${one}s`): string {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}
