import { describe, expect, it } from 'vitest';
import { editDistanceWithin, typoAllowance } from '../../src/text/edit-distance';
import { digitGroups, joinDigitGroups } from '../../src/text/number-terms';
import { spellingKey } from '../../src/text/term-folding';

describe('the rules that forgive a query’s spelling', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
    expect(editDistanceWithin('dentst', 'dentist', 2)).toBe(1);
    expect(editDistanceWithin('recieve', 'receive', 2)).toBe(1);
    expect(editDistanceWithin('apoint', 'appoint', 2)).toBe(1);
    expect(editDistanceWithin('kitten', 'sitting', 3)).toBe(3);
    expect(editDistanceWithin('kitten', 'sitting', 2)).toBeNull();
    expect(editDistanceWithin('łodz', 'lodz', 1)).toBe(1);
    expect(editDistanceWithin('same', 'same', 0)).toBe(0);
  });

  it('allows no typo below five letters, one up to seven, two from eight', () => {
    expect([typoAllowance('cats'), typoAllowance('dentst'), typoAllowance('appointmnt')]).toEqual([
      0, 1, 2,
    ]);
  });

  it('reads grouped numbers as plain ones, and decimals as they are', () => {
    expect(joinDigitGroups('€1,450 and 1.450 and 12,345,678')).toBe('€1450 and 1450 and 12345678');
    expect(joinDigitGroups('1.5 kg, 12.75, 1,450.50, 3.1415')).toBe(
      '1.5 kg, 12.75, 1,450.50, 3.1415',
    );
    expect(digitGroups('1450')).toEqual(['1', '450']);
    expect(digitGroups('12345678')).toEqual(['12', '345', '678']);
    expect(digitGroups('450')).toBeNull();
  });

  it('spells out the letters NFKD leaves, so that both spellings meet', () => {
    expect(spellingKey('sœur')).toBe(spellingKey('soeur'));
    expect(spellingKey('straße')).toBe(spellingKey('strass'));
    expect(spellingKey('łukasz')).toBe('lukasz');
  });
});
