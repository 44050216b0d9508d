// $(( ... )) for simbox: integer arithmetic with + - * / % comparisons, && || ! and parentheses;
// bare names read shell variables (empty or non-numeric → 0), as ash does.

export function arith(src: string, lookup: (name: string) => string): number {
  const toks = src.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|&&|\|\||[-+*/%()<>!]/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const num = (s: string): number => {
    const n = parseInt(s, 10);
    return Number.isFinite(n) ? n : 0;
  };
  const primary = (): number => {
    const t = toks[i++];
    if (t === undefined) throw new Error('arithmetic syntax error');
    if (t === '(') {
      const v = or();
      if (toks[i++] !== ')') throw new Error('arithmetic syntax error');
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '!') return primary() ? 0 : 1;
    if (/^\d/.test(t)) return num(t);
    if (/^\$?[A-Za-z_]/.test(t)) return num(lookup(t.replace(/^\$/, '')));
    throw new Error('arithmetic syntax error');
  };
  const mul = (): number => {
    let v = primary();
    for (let op = peek(); op === '*' || op === '/' || op === '%'; op = peek()) {
      i++;
      const r = primary();
      if ((op === '/' || op === '%') && r === 0) throw new Error('divide by zero');
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const add = (): number => {
    let v = mul();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      i++;
      v = op === '+' ? v + mul() : v - mul();
    }
    return v;
  };
  const cmp = (): number => {
    let v = add();
    for (let op = peek(); op && ['<', '>', '<=', '>=', '==', '!='].includes(op); op = peek()) {
      i++;
      const r = add();
      v = Number(op === '<' ? v < r : op === '>' ? v > r : op === '<=' ? v <= r : op === '>=' ? v >= r : op === '==' ? v === r : v !== r);
    }
    return v;
  };
  const and = (): number => {
    let v = cmp();
    while (peek() === '&&') {
      i++;
      const r = cmp();
      v = Number(!!v && !!r);
    }
    return v;
  };
  const or = (): number => {
    let v = and();
    while (peek() === '||') {
      i++;
      const r = and();
      v = Number(!!v || !!r);
    }
    return v;
  };
  if (!toks.length) return 0;
  const v = or();
  if (i < toks.length) throw new Error('arithmetic syntax error');
  return v;
}
