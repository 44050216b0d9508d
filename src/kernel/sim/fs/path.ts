// Path names as the kernel's namei sees them: split on '/', empty and '.' parts dropped, '..'
// kept for the walker to resolve against what it has already looked up
// (see Documentation/filesystems/path-lookup.rst).

export function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

export function joinPath(parts: readonly string[]): string {
  return '/' + parts.join('/');
}

/** Normalise an absolute path lexically ('..' pops), as host-level helpers use it. */
export function normAbs(p: string): string[] {
  const out: string[] = [];
  for (const s of splitPath(p)) {
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}
