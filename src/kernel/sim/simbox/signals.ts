// Signal names and numbers as simbox's kill and trap know them (Linux x86 numbering).

export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22,
};

/** TERM, SIGTERM, term, 15, -TERM → TERM; EXIT/0 → EXIT; null when unknown. */
export function normSignal(s: string): string | null {
  const t = s.toUpperCase().replace(/^-/, '').replace(/^SIG/, '');
  if (t === 'EXIT' || t === '0') return 'EXIT';
  if (/^\d+$/.test(t)) return Object.keys(SIGNALS).find((k) => SIGNALS[k] === Number(t)) ?? null;
  return t in SIGNALS ? t : null;
}
