import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { LabEvent } from '../../src/engine/events.js';
import { CgroupGauge } from '../../src/ui/panels/CgroupGauge.js';
import { Footer } from '../../src/ui/panels/Footer.js';
import { LayerStack } from '../../src/ui/panels/LayerStack.js';
import { LessonText } from '../../src/ui/panels/LessonText.js';
import { NamespaceTable } from '../../src/ui/panels/NamespaceTable.js';
import { ProgressLine } from '../../src/ui/panels/ProgressLine.js';
import { StepOutput } from '../../src/ui/panels/StepOutput.js';
import { WhatChanged } from '../../src/ui/panels/WhatChanged.js';
import { loadMarkdown, markdownReady } from '../../src/ui/markdown.js';
import { plain, waitForContent } from './harness.js';
import { WithUi } from './ui.js';

afterEach(() => cleanup());

const frame = (node: React.ReactNode, lang: 'en' | 'zh' = 'en'): string => plain(render(<WithUi lang={lang}>{node}</WithUi>).lastFrame());
const lines = (f: string): string[] => f.split('\n');

describe('NamespaceTable', () => {
  const data = {
    host: { pid: 4026531836, mnt: 4026531841, uts: 4026531838 },
    container: { pid: 4026532001, mnt: 4026531841, uts: 4026532002 },
  };

  it('shows host and container ids per namespace type', () => {
    const f = frame(<NamespaceTable data={data} />);
    expect(f).toMatch(/pid\s+4026531836\s+4026532001/);
    expect(f).toMatch(/mnt\s+4026531841\s+4026531841/);
  });

  it('marks the types whose ids differ and only those', () => {
    const f = lines(frame(<NamespaceTable data={data} />));
    expect(f.find((l) => l.startsWith('pid'))).toContain('≠ differs');
    expect(f.find((l) => l.startsWith('uts'))).toContain('≠ differs');
    expect(f.find((l) => l.startsWith('mnt'))).toContain('= same');
  });

  it('keeps differing rows first when rows are short', () => {
    const f = frame(<NamespaceTable data={data} maxRows={4} />);
    expect(f).toContain('pid');
    expect(f).not.toMatch(/^mnt/m);
    expect(f).toContain('… 2 more');
  });
});

describe('CgroupGauge', () => {
  it('shows the percentage of the memory limit used and the OOM kill count', () => {
    const f = frame(<CgroupGauge width={60} data={{ path: 'boxlab/c1', memory: { usage: 50 * 1048576, limit: 100 * 1048576 }, oomKills: 2 }} />);
    expect(f).toContain('50%');
    expect(f).toContain('50.0 MiB/100.0 MiB');
    expect(f).toContain('OOM kills: 2');
    expect(f).toMatch(/█+░+/);
  });

  it('says when there is no limit', () => {
    const f = frame(<CgroupGauge width={60} data={{ pids: { usage: 3, limit: null }, oomKills: 0 }} />);
    expect(f).toContain('3 (no limit)');
    expect(f).toContain('OOM kills: 0');
  });
});

describe('LayerStack', () => {
  const data = {
    layers: [
      { name: 'base', files: ['bin/sh', 'etc/motd', 'etc/hosts'] },
      { name: 'app', files: ['app/run.sh', 'etc/hosts'] },
    ],
    upper: { name: 'c1-rw', files: ['app/log.txt'], whiteouts: ['etc/motd'] },
  };

  it('marks whiteouts in the writable layer', () => {
    expect(frame(<LayerStack data={data} width={80} height={20} />)).toContain('✗ etc/motd (whiteout)');
  });

  it('shows which layer each merged file comes from and hides whited-out files', () => {
    const f = frame(<LayerStack data={data} width={80} height={20} />);
    expect(f).toMatch(/etc\/hosts\s+← app/);
    expect(f).toMatch(/bin\/sh\s+← base/);
    expect(f).toMatch(/app\/log.txt\s+← writable layer/);
    const merged = f.split('writable layer (c1-rw)')[0];
    expect(merged).not.toContain('etc/motd');
  });

  it('lists image layers newest first under the writable layer', () => {
    const f = frame(<LayerStack data={data} width={80} height={20} />);
    expect(f.indexOf('▆ writable layer')).toBeLessThan(f.indexOf('▁ app'));
    expect(f.indexOf('▁ app')).toBeLessThan(f.indexOf('▁ base'));
  });
});

describe('StepOutput', () => {
  const many = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);

  it('keeps only the last lines that fit and counts the earlier ones', () => {
    const f = lines(frame(<StepOutput blocks={[{ command: 'seq 50', stdout: many }]} running={false} width={40} height={5} />));
    expect(f).toHaveLength(5);
    expect(f[0]).toBe('$ seq 50  … 46 earlier lines');
    expect(f[4]).toBe('line 50');
  });

  it('shows the command, stderr, a non-zero exit and check results', () => {
    const f = frame(
      <StepOutput
        blocks={[{ command: 'cat /nope', stdout: [], stderr: ['cat: /nope: No such file'], exitCode: 1 }]}
        checks={[{ ok: false, message: 'file /nope is missing' }]}
        running={false}
        width={60}
        height={6}
      />,
    );
    expect(f).toContain('$ cat /nope');
    expect(f).toContain('No such file');
    expect(f).toContain('exit 1');
    expect(f).toContain('✗ file /nope is missing');
  });

  it('writes each line once with Static in the transcript variant', () => {
    const r = render(
      <WithUi>
        <StepOutput variant="static" blocks={[{ command: 'echo hi', stdout: ['hi'] }]} running={false} width={40} height={3} />
      </WithUi>,
    );
    expect(plain(r.lastFrame())).toContain('$ echo hi');
    expect(plain(r.lastFrame())).toContain('hi');
  });
});

describe('WhatChanged', () => {
  const events: LabEvent[] = [
    { kind: 'namespace.create', nsType: 'uts', id: 4026532002, hostId: 4026531838, pid: 42, command: 'unshare --uts sh', at: 0 },
    { kind: 'cgroup.write', path: 'boxlab/c1', file: 'memory.max', value: '104857600', command: 'echo 104857600 > /sys/fs/cgroup/boxlab/c1/memory.max', at: 0 },
  ];

  it('explains each event in words with the command a person would type', () => {
    const f = frame(<WhatChanged events={events} width={100} height={6} />);
    expect(f).toMatch(/uts namespace/i);
    expect(f).toContain('$ unshare --uts sh');
    expect(f).toContain('$ echo 104857600 > /sys/fs/cgroup/boxlab/c1/memory.max');
  });

  it('explains in Chinese from the zh catalogue', () => {
    expect(frame(<WhatChanged events={events} width={100} height={6} />, 'zh')).toContain('命名空间');
  });

  it('shows the newest events when they do not all fit', () => {
    const f = frame(<WhatChanged events={events} width={100} height={3} />);
    expect(f).toContain('1 earlier events');
    expect(f).toContain('memory.max');
    expect(f).not.toContain('unshare');
  });
});

describe('LessonText', () => {
  it('shows the text as written until the Markdown renderer has loaded, then renders it without its markup', async () => {
    expect(markdownReady()).toBe(false);
    const r = render(<WithUi><LessonText markdown={'# Namespaces\n\nA **process** sees `/proc`.'} width={60} height={10} /></WithUi>);
    expect(plain(r.lastFrame())).toContain('A **process** sees');
    const f = await waitForContent(r, (t) => t.includes('A process sees'), 10_000);
    expect(f).toContain('Namespaces');
    expect(f).not.toContain('**');
    expect(markdownReady()).toBe(true);
  });

  it('clips to its height and says how much is below', async () => {
    await loadMarkdown();
    const md = Array.from({ length: 30 }, (_, i) => `Paragraph ${i + 1}.`).join('\n\n');
    const f = lines(frame(<LessonText markdown={md} width={60} height={5} />));
    expect(f).toHaveLength(5);
    expect(f[4]).toMatch(/more lines/);
  });

  it('emits no escape codes without colour', () => {
    const r = render(<WithUi color={false}><LessonText markdown={'# T\n\n**b**'} width={40} height={5} /></WithUi>);
    expect(r.lastFrame()).not.toMatch(/\x1b\[/);
  });
});

describe('Footer and ProgressLine', () => {
  it('fits every key on one row at 80 columns', () => {
    const f = lines(frame(<Footer screen="lesson" width={80} />));
    expect(f).toHaveLength(1);
    for (const k of ['Enter/Space run', 'n/p', 'h hint', 'r reset', 'c compare', '? help', 'q quit']) expect(f[0]).toContain(k);
  });

  it('wraps by whole labels on a narrow terminal', () => {
    const f = lines(frame(<Footer screen="lesson" width={40} />));
    expect(f.length).toBeGreaterThan(1);
    expect(f.join(' ')).toContain('q quit');
  });

  it('marks passed, failed and the current step', () => {
    expect(frame(<ProgressLine marks={['passed', 'failed', 'pending']} current={1} />)).toContain('step 2/3 · 1 done  ✓[✗]○');
  });
});
