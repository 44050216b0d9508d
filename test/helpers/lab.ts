// An in-memory sim lab with a fake clock for engine tests, disposed after each test.
import { afterEach } from 'vitest';
import { Engine, type Io } from '../../src/engine/engine.js';
import { Lab } from '../../src/engine/lab.js';
import { createKernel } from '../../src/kernel/index.js';
import { fakeClock } from './clock.js';

const labs: Lab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) l.dispose();
});

export function memoryLab(): { engine: Engine; lab: Lab; clock: ReturnType<typeof fakeClock> } {
  const clock = fakeClock();
  const lab = new Lab({ mode: 'sim', home: null, clock, kernel: createKernel });
  labs.push(lab);
  return { engine: new Engine(lab, clock), lab, clock };
}

/** An Io that keeps what was written. */
export function capture(): Io & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (t: string) => void (o.stdout += t), err: (t: string) => void (o.stderr += t) };
  return o;
}
