// A lab: one kernel (sim or real), the engine's records, and where both are kept. Each CLI
// command is one transaction: lock, load, act, save, unlock. Long waits (a foreground `run`,
// `logs -f`, `stop`'s grace period) happen between transactions, so other commands can run.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelError, type Clock, type Kernel } from '../kernel/kernel.js';
import { UserError } from './errors.js';
import type { LabEvent, StepEvent } from './events.js';
import { emptyEngineState, type EngineState } from './state.js';
import { STATE_VERSION, StateFile } from './store.js';

export type Mode = 'sim' | 'real';

/** Makes the kernel for a lab from its stored state (the CLI passes src/kernel's createKernel). */
export type KernelFactory = (mode: Mode, opts: { state?: unknown; clock?: Clock }) => Kernel;

/** The lab's settings, like Docker's daemon.json: `<home>/config.json`. */
export interface LabConfig {
  /** tried in order for Docker Hub images before the origin, e.g. ["http://127.0.0.1:5000"] */
  registryMirrors: string[];
}

export function readConfig(home: string | null | undefined): LabConfig {
  const config: LabConfig = { registryMirrors: [] };
  if (!home || !existsSync(join(home, 'config.json'))) return config;
  let data: { 'registry-mirrors'?: unknown };
  try {
    data = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
  } catch (e) {
    throw new UserError(`${join(home, 'config.json')} is not valid JSON (${(e as Error).message}).`, 'Fix it, or remove it to use the defaults.');
  }
  const mirrors = data['registry-mirrors'];
  if (mirrors !== undefined && (!Array.isArray(mirrors) || !mirrors.every((m) => typeof m === 'string' && /^https?:\/\/[^/]+\/?$/.test(m)))) {
    throw new UserError(`registry-mirrors in ${join(home, 'config.json')} must be a list of URLs like "http://127.0.0.1:5000".`, 'Fix the list, or remove it.');
  }
  config.registryMirrors = (mirrors as string[] | undefined) ?? [];
  return config;
}

export interface LabOptions {
  mode: Mode;
  kernel: KernelFactory;
  /** the real-disk directory for state and logs; omitted = keep everything in memory */
  home?: string | null;
  clock?: Clock;
  /** how long to wait for another command holding the lab's lock */
  lockWaitMs?: number;
  /** settings; default: read from <home>/config.json */
  config?: LabConfig;
}

/** $BOXLAB_HOME, else $XDG_DATA_HOME/boxlab, else ~/.local/share/boxlab; real mode: /var/lib/boxlab */
export function defaultHome(mode: Mode, env: NodeJS.ProcessEnv = process.env): string {
  if (env.BOXLAB_HOME) return join(env.BOXLAB_HOME, mode);
  if (mode === 'real') return '/var/lib/boxlab';
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'boxlab', 'sim');
}

/** Where every lab keeps its kernel-side files (layers, containers, volumes) by default. */
export const LAB_ROOT = '/var/lib/boxlab';

/**
 * The directory of a lab's kernel-side files. A simulated lab has a file system of its own, so
 * /var/lib/boxlab always; real labs share the machine's, so the default one (home
 * /var/lib/boxlab) uses it and any other (a lesson's lab, BOXLAB_HOME) gets
 * /var/lib/boxlab/labs/HASH: two real labs never share a volume name or a layer one of them
 * may remove, and everything stays under /var/lib/boxlab, where cleanup looks.
 */
export function labRoot(mode: Mode, home: string): string {
  if (mode === 'sim' || home === LAB_ROOT) return LAB_ROOT;
  return `${LAB_ROOT}/labs/${createHash('sha256').update(home).digest('hex').slice(0, 12)}`;
}

export interface Tx {
  kernel: Kernel;
  /** this lab's kernel-side directory (labRoot) */
  root: string;
  state: EngineState;
  events: LabEvent[];
  /** a real-disk directory for logs */
  dataDir: string;
  config: LabConfig;
  step(step: StepEvent['step'], text: string, command: string): void;
}

export class Lab {
  readonly mode: Mode;
  readonly file: StateFile<EngineState, unknown> | null;
  readonly dataDir: string;
  /** the kernel-side directory: labRoot(mode, home) */
  readonly root: string;
  private rootMarked = false;
  private clock?: Clock;
  private lockWaitMs: number;
  private makeKernel: KernelFactory;
  readonly config: LabConfig;
  /** in-memory labs keep their kernel and state between transactions */
  private live: { kernel: Kernel; state: EngineState } | null = null;
  private listeners = new Set<(e: LabEvent) => void>();

  constructor(opts: LabOptions) {
    this.mode = opts.mode;
    this.clock = opts.clock;
    this.lockWaitMs = opts.lockWaitMs ?? 15_000;
    this.makeKernel = opts.kernel;
    this.config = opts.config ?? readConfig(opts.home);
    this.file = opts.home ? new StateFile(opts.home) : null;
    this.dataDir = opts.home ?? mkdtempSync(join(tmpdir(), 'boxlab-mem-'));
    this.root = labRoot(this.mode, this.dataDir);
  }

  /** A lab of its own below /var/lib/boxlab names its home in `owner`, so cleanup can tell when it is orphaned. */
  private async markRoot(kernel: Kernel): Promise<void> {
    if (this.rootMarked || this.root === LAB_ROOT) return;
    if (!(await kernel.fs.exists(`${this.root}/owner`))) {
      await kernel.fs.writeEntries(this.root, [{ path: 'owner', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: kernel.clock.now(), data: Buffer.from(`${this.dataDir}\n`) }]);
    }
    this.rootMarked = true;
  }

  /** An in-memory lab removes its temporary directory (logs, image blobs). */
  dispose(): void {
    if (!this.file) rmSync(this.dataDir, { recursive: true, force: true });
  }

  onEvent(fn: (e: LabEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private open(): { kernel: Kernel; state: EngineState } {
    if (this.live) return this.live;
    const stored = this.file?.load() ?? null;
    let kernel: Kernel;
    try {
      kernel = this.makeKernel(this.mode, { state: stored?.kernel, clock: this.clock });
    } catch (e) {
      if (e instanceof KernelError) throw new UserError(e.message, "Leave out --real to use the simulated kernel (the default).", 1);
      throw e;
    }
    const opened = { kernel, state: stored?.engine ?? emptyEngineState() };
    if (!this.file) this.live = opened;
    return opened;
  }

  /** Run fn with the lab locked and loaded; save what it changed, even when it fails part way. */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.file?.lock(this.lockWaitMs);
    try {
      const { kernel, state } = this.open();
      const events: LabEvent[] = [];
      const push = (e: LabEvent) => {
        events.push(e);
        for (const l of this.listeners) l(e);
      };
      const off = kernel.on(push);
      const step = (name: StepEvent['step'], text: string, command: string) =>
        push({ kind: 'engine.step', step: name, text, command, at: kernel.clock.now() });
      try {
        await this.markRoot(kernel);
        return await fn({ kernel, state, events, root: this.root, dataDir: this.dataDir, config: this.config, step });
      } finally {
        off();
        this.file?.save({ version: STATE_VERSION, engine: state, kernel: kernel.exportState() ?? null });
      }
    } finally {
      await this.file?.unlock();
    }
  }
}
