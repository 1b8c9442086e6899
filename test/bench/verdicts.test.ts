import { describe, expect, it } from 'vitest';
import { verdictText } from '../../bench/lib/report';
import { valueRow } from '../../bench/scenarios/types';

/** The large-class row: how many of 20 students saw the tutor, per run (NaN: a run that could not open them all). */
const seeing = (runs: number[]) =>
  valueRow({
    id: 'large-class-students-seeing',
    section: '7',
    name: 'students who saw the tutor',
    unit: 'of 20',
    runs,
    targets: [{ text: 'all 20', metric: 'value', op: '>=', limit: 20 }],
  });

describe('bench verdicts', () => {
  it('passes a figure that meets its target', () => {
    expect(verdictText(seeing([20, 20]))).toBe('pass');
  });

  it('says by how much a measured figure misses', () => {
    expect(verdictText(seeing([15, 15]))).toBe('MISS all 20: under by 25%');
  });

  it('calls a figure no run could measure "not measured", not a miss', () => {
    expect(verdictText(seeing([Number.NaN, Number.NaN]))).toBe('not measured: all 20');
  });

  it('judges on the runs that did measure it', () => {
    expect(verdictText(seeing([Number.NaN, 20]))).toBe('pass');
  });

  it('has no verdict for a row without targets', () => {
    expect(verdictText(valueRow({ id: 'x', section: '1', name: 'heap per socket', unit: 'KiB', runs: [13] }))).toBe('');
  });
});
