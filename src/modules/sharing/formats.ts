/**
 * Format conversion on the way through the gateway (LGSP rules ask for JSON, XML and CSV): rows are
 * rendered in the format the caller's `Accept` header (or `?format=`) asks for, and a proxied REST
 * service's answer is read from whichever of the three it speaks.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { csvRow } from '../../core/csv.js';
import { AppError } from '../../core/errors.js';

export const FORMATS = ['json', 'xml', 'csv'] as const;
export type Format = (typeof FORMATS)[number];
export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};
type Row = Record<string, unknown>;

/**
 * Chooses the answer format: `?format=` wins, then the Accept header by quality; `*\/*` or no
 * header means JSON. @throws AppError NOT_ACCEPTABLE
 */
export function negotiate(accept: string | undefined, format: string | undefined): Format {
  if (format !== undefined) {
    if ((FORMATS as readonly string[]).includes(format)) return format as Format;
    throw new AppError('NOT_ACCEPTABLE', { vi: 'format phải là json, xml hoặc csv', en: 'format must be json, xml or csv' });
  }
  if (!accept || !accept.trim()) return 'json';
  const ranges = accept.split(',').slice(0, 20).map((part, i) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const quality = q ? Number(q.slice(2)) : 1;
    return { type: type!.trim(), q: Number.isFinite(quality) ? quality : 0, i };
  }).filter((r) => r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*' || r.type === 'application/problem+json') return 'json';
    if (r.type === 'application/xml' || r.type === 'text/xml') return 'xml';
    if (r.type === 'text/csv' || r.type === 'text/*') return 'csv';
  }
  throw new AppError('NOT_ACCEPTABLE', { vi: 'Chỉ trả về JSON, XML hoặc CSV', en: 'Only JSON, XML or CSV can be returned' });
}

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
  // Characters XML 1.0 cannot carry at all.
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
const text = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Renders one page. Field names are checked column names (`[a-z][a-z0-9_]*`), safe as XML elements and CSV headers. */
export function render(format: Format, page: { service: string; fields: string[]; rows: Row[]; nextCursor: string | null; masked: string[] }): string {
  if (format === 'json') return JSON.stringify({ service: page.service, fields: page.fields, masked: page.masked, rows: page.rows, nextCursor: page.nextCursor });
  if (format === 'csv') {
    // No BOM: the readers are agency systems, and the ETag is over these exact bytes.
    return csvRow(page.fields) + page.rows.map((r) => csvRow(page.fields.map((f) => r[f]))).join('');
  }
  const rows = page.rows.map((r) => `<row>${page.fields.map((f) => (r[f] === null || r[f] === undefined ? `<${f} nil="true"/>` : `<${f}>${xmlEscape(text(r[f]))}</${f}>`)).join('')}</row>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<response service="${xmlEscape(page.service)}"><rows>${rows.join('')}</rows>${page.nextCursor ? `<nextCursor>${page.nextCursor}</nextCursor>` : '<nextCursor nil="true"/>'}</response>\n`;
}

const upstreamBad = (en: string) => new AppError('UPSTREAM_FAILED', { vi: `Dịch vụ nguồn trả về dữ liệu không đọc được: ${en}`, en: `The upstream answer could not be read: ${en}` });

/** The first list of records found in a parsed document (`[...]`, `{rows|data|items: [...]}`, `<rows><row/>…</rows>`). */
function records(node: unknown, depth = 0): Row[] | null {
  if (depth > 8 || node === null || typeof node !== 'object') return null;
  if (Array.isArray(node)) return node.filter((x): x is Row => !!x && typeof x === 'object' && !Array.isArray(x));
  const values = Object.values(node as Row);
  if (values.every((v) => v === null || typeof v !== 'object')) return [node as Row];
  for (const v of values) {
    const r = records(v, depth + 1);
    if (r) return r;
  }
  return null;
}

/**
 * Reads a proxied service's answer into rows. XML with a DOCTYPE is refused (no entity expansion).
 * @throws AppError UPSTREAM_FAILED
 */
export function parseUpstream(format: Format, body: string): Row[] {
  try {
    if (format === 'json') return records(JSON.parse(body)) ?? [];
    if (format === 'csv') return parseCsv(body, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: false }) as Row[];
    if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw upstreamBad('XML DOCTYPE/ENTITY is not accepted');
    const parsed: unknown = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: true, htmlEntities: false }).parse(body);
    const root = parsed && typeof parsed === 'object' ? Object.fromEntries(Object.entries(parsed as Row).filter(([k]) => k !== '?xml')) : parsed;
    return records(root) ?? [];
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw upstreamBad(`invalid ${format}`);
  }
}
