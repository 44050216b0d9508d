import { describe, expect, it } from 'vitest';
import { bar, renderComparison, rowLines, scaleFor } from '../../src/compare/table.js';
import type { Comparison, Row } from '../../src/compare/types.js';

const cell = (value: number, text: string, measured = true) => ({ value, unit: 'ms' as const, text, measured, method: 'm', samples: measured ? 5 : 0 });

describe('bars', () => {
  it('scales linearly from 0 when the range is small', () => {
    const s = scaleFor([5, 10], true)!;
    expect(s.log).toBe(false);
    expect(bar(10, s, 10)).toBe('██████████');
    expect(bar(5, s, 10)).toBe('█████');
  });

  it('switches to a log scale when the values span orders of magnitude', () => {
    const s = scaleFor([3, 2100], true)!;
    expect(s.log).toBe(true);
    const short = bar(3, s, 20);
    const long = bar(2100, s, 20);
    expect(long).toBe('█'.repeat(20));
    expect(short.length).toBeGreaterThan(0);
    expect(short.length).toBeLessThan(8);
    // on a log scale 30 is halfway-ish between 3 and 2100 in decades, not 1 % of the way
    expect(bar(30, s, 20).length).toBeGreaterThan(5);
  });

  it('stays linear when log is not wanted, and draws eighths', () => {
    const s = scaleFor([1, 1000], false)!;
    expect(s.log).toBe(false);
    expect(bar(1, s, 10)).toBe('▏');
    expect(bar(500, s, 10)).toBe('█████');
    expect(bar(0, s, 10)).toBe('');
  });

  it('has no scale without positive values', () => {
    expect(scaleFor([], true)).toBeNull();
    expect(scaleFor([0, -1], true)).toBeNull();
  });
});

describe('the table', () => {
  const row: Row = {
    id: 'start',
    claim: 'Containers start in seconds, VMs in minutes',
    container: cell(3, '3.0 ms (IQR 2.9–3.1, n=9)'),
    vm: { ...cell(2100, '≈ 2.1 s (not measured here)', false), source: { title: 'somewhere', url: 'https://example.org/x' }, failure: 'VM: qemu-system-x86_64 is not installed' },
    more: [],
    log: true,
    meaning: 'It means something, and it oversimplifies.',
  };

  it('renders claim, both figures, bars to scale, source, failure and meaning', () => {
    const lines = rowLines(row, 100);
    const text = lines.join('\n');
    expect(lines[0]).toContain('START');
    expect(lines[0]).toContain('Containers start in seconds');
    const c = lines.find((l) => l.trimStart().startsWith('container'))!;
    const v = lines.find((l) => l.trimStart().startsWith('VM'))!;
    expect(c).toContain('3.0 ms');
    expect(v).toContain('[cited]');
    expect((v.match(/█/g) ?? []).length).toBeGreaterThan((c.match(/█/g) ?? []).length);
    expect(text).toContain('source: somewhere — https://example.org/x');
    expect(text).toContain('! VM: qemu-system-x86_64 is not installed');
    expect(text).toContain('how: m');
    expect(text).toContain('log scale');
    expect(text).toContain('→ It means something');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('renders a whole comparison with its notes', () => {
    const cmp: Comparison = {
      mode: 'real', quick: true, at: '2026-11-25T00:00:00Z', host: { kernel: '6.1.0', cpus: 2, memMB: 2048 },
      vm: { accel: 'tcg', note: 'KVM hangs; TCG' }, rows: [row], notes: ['VM: qemu missing', 'VM: qemu missing'], pids: [],
    };
    const out = renderComparison(cmp, 80);
    expect(out).toContain('measured on this machine (quick: few samples)');
    expect(out).toContain('VM: KVM hangs; TCG');
    expect(out.match(/- VM: qemu missing/g)).toHaveLength(1);
  });
});
