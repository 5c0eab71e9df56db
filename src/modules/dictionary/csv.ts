import { parse } from 'csv-parse/sync';
import { CSV_BOM, csvRow, unneutraliseFormula } from '../../core/csv.js';

/** Columns of the dictionary's CSV exchange format, in order. */
export const CSV_COLUMNS = [
  'code', 'name', 'name_en', 'definition', 'type', 'unit', 'code_list', 'rules', 'personal_data', 'origin', 'owner_org_id', 'aliases', 'status',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Separator of aliases inside one cell. */
export const ALIAS_SEPARATOR = ' | ';

/**
 * Serialises rows as RFC 4180 CSV with CRLF line ends and a UTF-8 BOM (so Excel reads Vietnamese);
 * formula-like cells are neutralised (core/csv.ts) and {@link fromCsv} undoes that on import.
 */
export function toCsv(rows: readonly Record<CsvColumn, string | null>[]): string {
  let out = CSV_BOM + csvRow(CSV_COLUMNS);
  for (const r of rows) out += csvRow(CSV_COLUMNS.map((c) => r[c] || null));
  return out;
}

export interface CsvRecord {
  line: number;
  values: Partial<Record<CsvColumn, string>>;
}

/**
 * Parses the dictionary CSV: BOM tolerated, header row required (column order free, unknown
 * columns refused), text normalised to NFC. @throws Error with a Vietnamese message when the file is
 * not CSV or the header is wrong.
 */
export function fromCsv(text: string): CsvRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    throw new Error(`Tệp CSV không đọc được: ${(e as Error).message.slice(0, 200)}`);
  }
  const head = rows.shift();
  if (!head) throw new Error('Tệp CSV trống: thiếu dòng tiêu đề');
  const header = head.record.map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) throw new Error(`Cột không hợp lệ trong dòng tiêu đề: ${unknown.join(', ')}. Các cột: ${CSV_COLUMNS.join(', ')}`);
  for (const required of ['code', 'name', 'type'] as const) {
    if (!header.includes(required)) throw new Error(`Dòng tiêu đề thiếu cột bắt buộc “${required}”`);
  }
  return rows.map(({ record, info }) => {
    const values: Partial<Record<CsvColumn, string>> = {};
    header.forEach((h, i) => {
      const v = record[i];
      if (v !== undefined) values[h as CsvColumn] = unneutraliseFormula(v.normalize('NFC').trim());
    });
    return { line: info.lines, values };
  });
}
