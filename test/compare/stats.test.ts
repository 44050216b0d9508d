import { describe, expect, it } from 'vitest';
import { describeSummary, median, quantile, summarize } from '../../src/compare/stats.js';
import { fits, defaultBudget } from '../../src/compare/density.js';
import { cpioNewc, initScript, MARKER } from '../../src/compare/vm.js';
import { parsePerf, workload } from '../../src/compare/perf.js';

describe('statistics', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates quantiles between neighbours', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });

  it('uses the IQR from 4 samples and min–max below, counting the samples', () => {
    const few = summarize([5, 1, 3]);
    expect(few).toMatchObject({ median: 3, n: 3, spread: { kind: 'min-max', lo: 1, hi: 5 } });
    const many = summarize([10, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(many.n).toBe(10);
    expect(many.median).toBe(5.5);
    expect(many.spread).toEqual({ kind: 'iqr', lo: 3.25, hi: 7.75 });
    expect(many.min).toBe(1);
    expect(many.max).toBe(10);
  });

  it('drops non-finite samples and refuses none', () => {
    expect(summarize([1, NaN, 3, Infinity]).n).toBe(2);
    expect(() => summarize([])).toThrow(/no samples/);
  });

  it('describes a summary with its spread and n', () => {
    expect(describeSummary(summarize([1, 2, 3, 4, 5]), (v) => `${v} ms`)).toBe('3 ms (IQR 2 ms–4 ms, n=5)');
    expect(describeSummary(summarize([2]), (v) => `${v} ms`)).toBe('2 ms (n=1)');
  });
});

describe('density', () => {
  it('is the smaller of the memory bound and the time bound', () => {
    expect(fits(10, 100, { memoryMB: 1000, seconds: 5 })).toEqual({ byMemory: 100, byTime: 50, fit: 50, bound: 'time' });
    expect(fits(200, 2000, { memoryMB: 1000, seconds: 10 })).toEqual({ byMemory: 5, byTime: 5, fit: 5, bound: 'memory' });
  });

  it('budgets half the available memory, within limits', () => {
    expect(defaultBudget(24000).memoryMB).toBe(8192);
    expect(defaultBudget(1000).memoryMB).toBe(500);
    expect(defaultBudget(100).memoryMB).toBe(256);
  });
});

describe('the VM initramfs and the workload', () => {
  it('writes a newc cpio archive padded to 4 bytes, ending in TRAILER!!!', () => {
    const a = cpioNewc([{ name: 'init', mode: 0o100755, data: Buffer.from('#!/bin/sh\n') }]);
    expect(a.subarray(0, 6).toString()).toBe('070701');
    expect(a.length % 4).toBe(0);
    expect(a.includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
    // file size field (7th after magic: 6 + 6*8 chars in) is the data length in hex
    expect(parseInt(a.subarray(6 + 6 * 8, 6 + 7 * 8).toString(), 16)).toBe(10);
  });

  it("has /init print the marker, its kernel release, and power off", () => {
    const s = initScript();
    expect(s).toContain(`echo ${MARKER}`);
    expect(s).toContain('uname -r');
    expect(s).toContain('poweroff -f');
  });

  it('times the workload by /proc/uptime', () => {
    expect(workload(8)).toContain('count=8');
    expect(parsePerf('PERF 10.50 20.0 11.25 20.7\n')).toBeCloseTo(750);
    expect(parsePerf('nothing')).toBeNull();
  });
});
