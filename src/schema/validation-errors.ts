import { CodedError } from '../core/errors';

/** A Standard Schema issue as zod reports it (the fields read here). */
interface Issue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined;
  code?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  expected?: string;
}

/**
 * A failed argument check (plugin-validation, zod) as a coded error in the
 * caller's terms: the field's path as the documentation writes it
 * (`input.windows[0].limit`, `inputs[7].metadata`), the rule in plain words
 * instead of the validator's ("Too small: expected number to be >=0"), and a
 * stable reason per rule: OUT_OF_RANGE (a number), TOO_LONG / TOO_SHORT (a
 * text), TOO_MANY / TOO_FEW (a list), INVALID_VALUE otherwise. A list or text
 * over its documented maximum is PAYLOAD_TOO_LARGE; anything else BAD_USER_INPUT.
 */
export function validationError(issues: readonly Issue[]): CodedError {
  const described = issues.map(describe);
  const first = described[0] ?? { reason: 'INVALID_VALUE', tooLarge: false, text: 'is invalid' };
  const tooLarge = described.some((issue) => issue.tooLarge);
  return new CodedError(
    tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_USER_INPUT',
    described.map((issue) => issue.text).join('; '),
    (described.find((issue) => issue.tooLarge) ?? first).reason,
  );
}

function describe(issue: Issue): { reason: string; tooLarge: boolean; text: string } {
  const path = pathOf(issue.path ?? []);
  const said = (rule: string) => (path ? `${path}: ${rule}` : rule);
  const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const small = issue.code === 'too_small';
  if ((small || issue.code === 'too_big') && Number.isFinite(bound)) {
    const least = small ? 'at least' : 'at most';
    switch (issue.origin) {
      case 'number':
        return { reason: 'OUT_OF_RANGE', tooLarge: false, text: said(`must be ${least} ${bound}`) };
      case 'string':
        return {
          reason: small ? 'TOO_SHORT' : 'TOO_LONG',
          tooLarge: !small,
          text: said(`must be ${least} ${bound} character${bound === 1 ? '' : 's'}`),
        };
      case 'array':
        return {
          reason: small ? 'TOO_FEW' : 'TOO_MANY',
          tooLarge: !small,
          text: said(`must hold ${least} ${bound} item${bound === 1 ? '' : 's'}`),
        };
    }
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int')
    return { reason: 'OUT_OF_RANGE', tooLarge: false, text: said('must be a whole number') };
  return { reason: 'INVALID_VALUE', tooLarge: false, text: said(issue.message) };
}

/** `input.windows.0.limit` as `input.windows[0].limit`. */
function pathOf(path: NonNullable<Issue['path']>): string {
  return path
    .map((part) => (typeof part === 'object' ? part.key : part))
    .reduce<string>((text, key) => {
      if (typeof key === 'number' || /^\d+$/.test(String(key))) return `${text}[${String(key)}]`;
      return text === '' ? String(key) : `${text}.${String(key)}`;
    }, '');
}
