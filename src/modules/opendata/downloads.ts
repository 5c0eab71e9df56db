/**
 * Download encoders: rows stream in from the warehouse page by page and leave as CSV (UTF-8 with a
 * BOM, so Excel shows Vietnamese), JSON, XLSX (exceljs' streaming writer) or GeoJSON, never holding
 * the table in memory.
 *
 * Spreadsheet formula injection (CWE-1236) is neutralised in CSV and XLSX by core/csv.ts: a text
 * cell starting with `=`, `+`, `-`, `@` (or a tab / carriage return) gets a leading `'`, so Excel
 * shows it as text instead of running it. Numbers are written as numbers and are never touched.
 */
import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { CSV_BOM, cellText, csvRow, neutraliseFormula } from '../../core/csv.js';

export const DOWNLOAD_FORMATS = ['csv', 'json', 'xlsx', 'geojson'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

export const MEDIA_TYPES: Record<DownloadFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  geojson: 'application/geo+json; charset=utf-8',
};
/** IANA media types, as DCAT-AP's dcat:mediaType wants them. */
export const IANA_MEDIA_TYPES: Record<DownloadFormat, string> = {
  csv: 'text/csv',
  json: 'application/json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  geojson: 'application/geo+json',
};
/** CKAN's `format` label of each download. */
export const CKAN_FORMATS: Record<DownloadFormat, 'CSV' | 'JSON' | 'XLSX' | 'GeoJSON'> = { csv: 'CSV', json: 'JSON', xlsx: 'XLSX', geojson: 'GeoJSON' };

type Row = Record<string, unknown>;
export interface OutColumn {
  name: string;
  title: string;
  type: string;
}

const CHUNK = 64 * 1024;

/** CSV with a UTF-8 BOM and the column titles as the header row. */
export async function* csvStream(columns: OutColumn[], rows: AsyncIterable<Row>): AsyncGenerator<string> {
  let buf = CSV_BOM + csvRow(columns.map((c) => c.title));
  const names = columns.map((c) => c.name);
  for await (const r of rows) {
    buf += csvRow(names.map((n) => r[n]));
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}

/** A JSON array of objects keyed by column name. */
export async function* jsonStream(columns: OutColumn[], rows: AsyncIterable<Row>): AsyncGenerator<string> {
  let buf = '[';
  let first = true;
  for await (const r of rows) {
    buf += `${first ? '' : ','}\n${JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, r[c.name] ?? null])))}`;
    first = false;
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield `${buf}\n]\n`;
}

/** A GeoJSON FeatureCollection: the geometry column becomes each feature's geometry, the rest its properties. */
export async function* geojsonStream(columns: OutColumn[], geometry: string, rows: AsyncIterable<Row>): AsyncGenerator<string> {
  const props = columns.filter((c) => c.name !== geometry);
  let buf = '{"type":"FeatureCollection","features":[';
  let first = true;
  for await (const r of rows) {
    const feature = { type: 'Feature', geometry: r[geometry] ?? null, properties: Object.fromEntries(props.map((c) => [c.name, r[c.name] ?? null])) };
    buf += `${first ? '' : ','}\n${JSON.stringify(feature)}`;
    first = false;
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield `${buf}\n]}\n`;
}

/**
 * An XLSX workbook written by exceljs' streaming WorkbookWriter: each row is committed (flushed) as
 * soon as it is added, and the producer waits for the socket when the stream is full.
 */
export function xlsxStream(columns: OutColumn[], rows: AsyncIterable<Row>, sheetName = 'data'): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet(sheetName.slice(0, 31));
  void (async () => {
    try {
      ws.addRow(columns.map((c) => neutraliseFormula(c.title))).commit();
      for await (const r of rows) {
        ws.addRow(columns.map((c) => {
          const v = r[c.name];
          if (v === null || v === undefined) return null;
          if (typeof v === 'number' || typeof v === 'boolean') return v;
          return neutraliseFormula(cellText(v));
        })).commit();
        if (out.writableNeedDrain) await new Promise<void>((resolve) => out.once('drain', resolve));
      }
      ws.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
