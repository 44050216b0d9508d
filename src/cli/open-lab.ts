// `boxlab` with no arguments on a terminal: the lab UI without loading the whole CLI (yargs and
// every command), so the first frame comes sooner. Any argument goes through main().
import { ui } from './commands/ui.js';
import { exit, reportError } from './context.js';

export async function openLab(): Promise<number> {
  exit.code = 0;
  // from the first moment, so a key pressed while the lab loads reaches it as typed (the UI keeps
  // raw mode and gives the terminal back as it was on quit)
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  try {
    await (ui.handler as (a: Record<string, unknown>) => Promise<void>)({ _: [], $0: 'boxlab', lang: 'en' });
  } catch (e) {
    return reportError(e);
  }
  return exit.code;
}
