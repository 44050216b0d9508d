// The terminal side of `run -it` (a line editor with a prompt, Ctrl-C, Ctrl-D) and of a
// foreground `run` (Ctrl-C forwards SIGINT to the container; a second one detaches).
import { createInterface } from 'node:readline';
import type { Terminal } from '../engine/engine.js';

export function readlineTerminal(): Terminal & { close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const listeners = new Set<() => void>();
  let pending: ((line: string | null) => void) | null = null;
  rl.on('line', (line) => {
    const p = pending;
    pending = null;
    p?.(line);
  });
  rl.on('close', () => {
    const p = pending;
    pending = null;
    p?.(null);
  });
  rl.on('SIGINT', () => {
    if (pending) {
      // at the prompt, Ctrl-C abandons the line, as a shell does
      process.stdout.write('^C\n');
      rl.prompt();
      return;
    }
    process.stdout.write('^C\n');
    for (const l of listeners) l();
  });
  return {
    readLine(prompt) {
      return new Promise((resolve) => {
        pending = resolve;
        rl.setPrompt(prompt);
        rl.prompt();
      });
    },
    onInterrupt(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close: () => rl.close(),
  };
}

export async function readAllStdin(): Promise<string> {
  return (await readAllStdinBuffer()).toString('utf8');
}

/** Ctrl-C while following a container's output (no terminal handed to it). */
export function sigintTerminal(): Pick<Terminal, 'onInterrupt'> {
  return {
    onInterrupt(fn) {
      const h = () => fn();
      process.on('SIGINT', h);
      return () => void process.off('SIGINT', h);
    },
  };
}

export async function readAllStdinBuffer(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const ch of process.stdin) chunks.push(ch as Buffer);
  return Buffer.concat(chunks);
}

/** Docker-style transfer progress on a terminal: `9a2b3c4d5e6f: Pushing [=====>     ] 1.2MB/4.5MB`. */
export function progressBar(verb: string): ((p: { digest: string; done: number; total: number }) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let current = '';
  return (p) => {
    const short = p.digest.replace(/^sha256:/, '').slice(0, 12);
    if (current && current !== short) process.stderr.write('\n');
    current = short;
    const width = 30;
    const filled = p.total ? Math.min(width, Math.floor((p.done / p.total) * width)) : width;
    const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled < width ? '>' : '='}${' '.repeat(width - filled)}`;
    const mb = (n: number) => `${(n / 1e6).toFixed(1)}MB`;
    process.stderr.write(`\r${short}: ${verb} [${bar}] ${mb(p.done)}/${mb(p.total)}`);
    if (p.done >= p.total) {
      process.stderr.write('\n');
      current = '';
    }
  };
}
