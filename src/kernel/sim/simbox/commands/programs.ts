// Programs of images other than busybox: simbox runs them, but they are not busybox applets, so
// the busybox root filesystem has no /bin link to them.
import type { CommandFn } from './types.js';

/** hello-world's /hello: it says what just happened. */
const hello: CommandFn = (c) => {
  c.out(`
Hello from boxlab!
This message shows that your lab appears to be working (the simulated hello-world image).

To make it, boxlab:
 1. looked for the "hello-world" image locally, and pulled it from the simulated hub;
 2. created a container from it: a writable layer over the image's one layer;
 3. started the image's only program, /hello, as PID 1 in new namespaces;
 4. streamed what it wrote to standard output to your terminal.

Try something more ambitious, a shell in a container:
 $ boxlab run -it busybox sh
`);
  return 0;
};

export const PROGRAMS: Record<string, CommandFn> = { hello };
