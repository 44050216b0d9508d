// After the real-kernel suites: the files of the labs they made in temporary homes (now removed)
// go too, as `boxlab cleanup` would remove them, so the machine keeps no lab directory of a test.
import { removeOrphanLabs } from '../../src/kernel/real/cleanup.js';

export function teardown(): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
  const gone = removeOrphanLabs();
  if (gone.length) console.log(`removed the files of ${gone.length} test lab(s) below /var/lib/boxlab/labs`);
}
