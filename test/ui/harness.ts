// Driving ink in tests: named keys, waiting for a frame to match instead of sleeping (stdin.write
// needs a tick before useInput sees it — ink-testing-library issue #29), ANSI stripped.
import { stripVTControlCharacters } from 'node:util';

export const ENTER = '\r';
export const SPACE = ' ';
export const ESC = '\x1b';
export const UP = '\x1b[A';
export const DOWN = '\x1b[B';
export const PAGE_DOWN = '\x1b[6~';
export const BACKSPACE = '\x7f';

export interface Rendered {
  lastFrame(): string | undefined;
  stdin: { write(data: string): void };
}

export const plain = (frame: string | undefined): string => stripVTControlCharacters(frame ?? '');

/** Poll the last frame until `match` holds (a substring or a predicate), or fail with the frame. */
export async function waitForContent(r: Rendered, match: string | RegExp | ((frame: string) => boolean), timeoutMs = 10_000): Promise<string> {
  const ok = (f: string): boolean =>
    typeof match === 'string' ? f.includes(match) : match instanceof RegExp ? match.test(f) : match(f);
  const start = Date.now();
  for (;;) {
    const frame = plain(r.lastFrame());
    if (ok(frame)) return frame;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${String(match)}; last frame:\n${frame}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

/** Write keys and wait until the frame is different from before. */
export async function sendInputAndWaitForChange(r: Rendered, keys: string, timeoutMs = 10_000): Promise<string> {
  const before = plain(r.lastFrame());
  await tick();
  r.stdin.write(keys);
  return waitForContent(r, (f) => f !== before, timeoutMs);
}

/** Write keys after a tick (so useInput has subscribed) and wait for `match`. */
export async function press(r: Rendered, keys: string, match: string | RegExp | ((frame: string) => boolean)): Promise<string> {
  await tick();
  r.stdin.write(keys);
  return waitForContent(r, match);
}

export const tick = (): Promise<void> => new Promise((res) => setTimeout(res, 10));
