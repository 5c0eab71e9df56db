import type { FieldProblem } from '../../core/errors.js';
import type { ElementType, ValidationRules } from './model.js';

const KEYS = ['required', 'regex', 'min', 'max', 'minLength', 'maxLength', 'enum'] as const;

/**
 * Checks validation rules for consistency with each other and with the element's type, beyond
 * what the JSON schema can say: the regex compiles, bounds are ordered, ranges apply to numbers.
 * Returns field problems in Vietnamese (empty when the rules are sound).
 */
export function ruleProblems(rules: ValidationRules, type: ElementType, field = 'rules'): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (rules.regex !== undefined) {
    try {
      new RegExp(rules.regex, 'u');
    } catch {
      out.push({ field: `${field}.regex`, message: `Biểu thức chính quy không hợp lệ: ${rules.regex.slice(0, 80)}` });
    }
  }
  if (rules.min !== undefined && rules.max !== undefined && rules.min > rules.max) {
    out.push({ field: `${field}.min`, message: `Giá trị nhỏ nhất (${rules.min}) lớn hơn giá trị lớn nhất (${rules.max})` });
  }
  if (rules.minLength !== undefined && rules.maxLength !== undefined && rules.minLength > rules.maxLength) {
    out.push({ field: `${field}.minLength`, message: `Độ dài tối thiểu (${rules.minLength}) lớn hơn độ dài tối đa (${rules.maxLength})` });
  }
  if ((rules.min !== undefined || rules.max !== undefined) && type !== 'integer' && type !== 'number') {
    out.push({ field: `${field}.min`, message: `Khoảng giá trị (min/max) chỉ áp dụng cho kiểu số, không cho kiểu ${type}` });
  }
  if ((rules.regex !== undefined || rules.minLength !== undefined || rules.maxLength !== undefined) && type !== 'text') {
    out.push({ field: `${field}.regex`, message: `Biểu thức chính quy và độ dài chỉ áp dụng cho kiểu văn bản (text), không cho kiểu ${type}` });
  }
  return out;
}

/**
 * Reads rules from untrusted JSON (a CSV cell): only the known keys with the right JSON types.
 * Returns the rules or a Vietnamese message saying what is wrong.
 */
export function parseRules(json: string): { rules: ValidationRules } | { error: string } {
  if (!json.trim()) return { rules: {} };
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return { error: 'Quy tắc kiểm tra không phải JSON hợp lệ' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'Quy tắc kiểm tra phải là một đối tượng JSON {…}' };
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length) return { error: `Quy tắc không được hỗ trợ: ${unknown.join(', ')} (chỉ dùng ${KEYS.join(', ')})` };
  const rules: ValidationRules = {};
  if (o.required !== undefined) {
    if (typeof o.required !== 'boolean') return { error: 'required phải là true hoặc false' };
    rules.required = o.required;
  }
  if (o.regex !== undefined) {
    if (typeof o.regex !== 'string' || !o.regex || o.regex.length > 500) return { error: 'regex phải là chuỗi 1–500 ký tự' };
    rules.regex = o.regex;
  }
  for (const k of ['min', 'max'] as const) {
    if (o[k] !== undefined) {
      if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) return { error: `${k} phải là một số` };
      rules[k] = o[k];
    }
  }
  for (const k of ['minLength', 'maxLength'] as const) {
    if (o[k] !== undefined) {
      if (!Number.isInteger(o[k]) || (o[k] as number) < (k === 'minLength' ? 0 : 1)) return { error: `${k} phải là số nguyên dương` };
      rules[k] = o[k] as number;
    }
  }
  if (o.enum !== undefined) {
    if (!Array.isArray(o.enum) || !o.enum.length || o.enum.length > 500 || o.enum.some((x) => typeof x !== 'string')) {
      return { error: 'enum phải là danh sách 1–500 chuỗi' };
    }
    rules.enum = (o.enum as string[]).map((s) => s.normalize('NFC'));
  }
  return { rules };
}
