/**
 * Numbers as the full-text index sees them: `unicode61` splits text at every
 * character that is neither letter nor digit, so "€1,450", "1.450" and
 * "1 450" are each indexed as the two terms "1" and "450", side by side,
 * while "1450" is one term. A search asks for both forms of a number of four
 * or more digits (`digitGroups`): the plain term, and its groups of three
 * from the right as a phrase. A query's own grouped numbers ("1,450",
 * "1.450", "12,345,678") are read as the plain number first
 * (`joinDigitGroups`), so every way of writing it finds every other.
 *
 * A dot before exactly three digits is read as a thousands separator, as in
 * German or Spanish: "1.450" finds 1450. The text alone cannot tell it from
 * a decimal with three places, so a query for "3.141" also finds "3141"; the
 * phrase "3 141" it also asks for still finds the decimal as written. Other
 * decimals ("1.5", "12.75") are left as they are.
 */

/** Digits in groups of three after the first, separated by commas or dots, not part of a longer number. */
const GROUPED = /(?<![\p{N}.,]|[\p{N}][.,])\b\d{1,3}(?:[.,]\d{3})+\b(?![.,]\p{N})/gu;

/** The text with each grouped number written as plain digits ("€1,450" → "€1450"). */
export function joinDigitGroups(text: string): string {
  return text.replace(GROUPED, (number) => number.replace(/[.,]/g, ''));
}

/** Plain numbers longer than this are identifiers (phone, account numbers), not amounts. */
const MAX_GROUPED_DIGITS = 15;

/**
 * The terms a grouped spelling of `term` is indexed as ("1450" → ["1",
 * "450"]), or null when it is not a number of 4 to 15 digits.
 */
export function digitGroups(term: string): string[] | null {
  if (!/^\d{4,}$/.test(term) || term.length > MAX_GROUPED_DIGITS) return null;
  const groups: string[] = [];
  for (let end = term.length; end > 0; end -= 3)
    groups.unshift(term.slice(Math.max(0, end - 3), end));
  return groups;
}
