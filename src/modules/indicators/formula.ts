import { invalid } from '../../core/errors.js';
import type { IndicatorDefinition } from './schema.js';

/**
 * Expressions of derived indicators: numbers, indicator codes, + - * / and parentheses. Parsed once
 * into a tree and evaluated in JS per answer row, never turned into SQL.
 */
export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'ref'; code: string }
  | { kind: 'neg'; arg: Expr }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|([a-z][a-z0-9_]*)|([-+*/()]))/y;

const refuse = (vi: string, en: string) => invalid({ vi, en }, [{ field: 'formula.expression', message: en }]);

/** @throws AppError VALIDATION_FAILED naming where the expression is wrong. */
export function parseExpression(text: string): Expr {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  const src = text.trim();
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw refuse(`Biểu thức có ký tự không hợp lệ tại vị trí ${at + 1}: “${src.slice(at, at + 10)}”`, `Invalid character at position ${at + 1}`);
    tokens.push(m[1] ?? m[2] ?? m[3]!);
  }
  let i = 0;
  const peek = () => tokens[i];
  const primary = (): Expr => {
    const t = tokens[i++];
    if (t === undefined) throw refuse('Biểu thức kết thúc đột ngột', 'Unexpected end of expression');
    if (t === '(') {
      const e = sum();
      if (tokens[i++] !== ')') throw refuse('Thiếu dấu “)”', 'Missing ")"');
      return e;
    }
    if (t === '-') return { kind: 'neg', arg: primary() };
    if (/^\d/.test(t)) return { kind: 'num', value: Number(t) };
    if (/^[a-z]/.test(t)) return { kind: 'ref', code: t };
    throw refuse(`Không mong đợi “${t}” trong biểu thức`, `Unexpected "${t}"`);
  };
  const product = (): Expr => {
    let e = primary();
    while (peek() === '*' || peek() === '/') e = { kind: 'bin', op: tokens[i++] as '*' | '/', left: e, right: primary() };
    return e;
  };
  const sum = (): Expr => {
    let e = product();
    while (peek() === '+' || peek() === '-') e = { kind: 'bin', op: tokens[i++] as '+' | '-', left: e, right: product() };
    return e;
  };
  const e = sum();
  if (i < tokens.length) throw refuse(`Thừa “${tokens[i]}” trong biểu thức`, `Unexpected "${tokens[i]}"`);
  return e;
}

/** Indicator codes an expression reads. */
export function references(e: Expr): string[] {
  switch (e.kind) {
    case 'num': return [];
    case 'ref': return [e.code];
    case 'neg': return references(e.arg);
    case 'bin': return [...new Set([...references(e.left), ...references(e.right)])];
  }
}

/**
 * The value of an expression, or null when an input is missing or a division by zero occurs (the
 * caller flags it: a number is never invented).
 */
export function evaluate(e: Expr, values: Record<string, number | null>, flags: { divisionByZero: boolean }): number | null {
  switch (e.kind) {
    case 'num': return e.value;
    case 'ref': return values[e.code] ?? null;
    case 'neg': {
      const v = evaluate(e.arg, values, flags);
      return v === null ? null : -v;
    }
    case 'bin': {
      const l = evaluate(e.left, values, flags);
      const r = evaluate(e.right, values, flags);
      if (l === null || r === null) return null;
      switch (e.op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/':
          if (r === 0) {
            flags.divisionByZero = true;
            return null;
          }
          return l / r;
      }
    }
  }
}

/** The formula in words, as every answer's provenance shows it. */
export function formulaText(d: IndicatorDefinition): string {
  const f = d.formula;
  const from = d.source ? ` — ${d.source.dataset}` : '';
  const by = d.timeRollup === 'avg' ? '; kỳ dài hơn: bình quân các kỳ / longer periods: average of periods' : '';
  switch (f.kind) {
    case 'sum': return `SUM(${f.column})${from}${by}`;
    case 'count': return `COUNT(*)${from}${by}`;
    case 'count_distinct': return `COUNT(DISTINCT ${f.column})${from}`;
    case 'avg': return `AVG(${f.column})${from}${by}`;
    case 'ratio': return `SUM(${f.numerator}) / SUM(${f.denominator})${f.scale && f.scale !== 1 ? ` × ${f.scale}` : ''}${from}${by}`;
    case 'derived': return f.expression ?? '';
  }
}
