import { readCsv, type CsvDelimiter, type CsvQuote } from './csv.js';
import { decodeBuffer, detectEncoding, type TextEncoding } from './encoding.js';
import { ParseError } from './errors.js';
import { looksLikeFeatureCollection, readGeoJson, readJson, readNdjson } from './json.js';
import { peekSource, type ByteSource } from './source.js';
import type { RoleOverride } from './structure.js';
import type { Table, TableFormat } from './table.js';
import { unpivotTable, type UnpivotSpec } from './unpivot.js';
import { readXlsx } from './xlsx.js';

export interface OpenTableOptions {
  /** Skip sniffing. */
  format?: TableFormat;
  /** Original file name; its extension is a hint, the bytes win when they clearly disagree. */
  filename?: string;
  /** XLSX: sheet name (default: the first visible sheet). */
  sheet?: string;
  /** Text formats: skip encoding detection. */
  encoding?: TextEncoding;
  /** CSV/XLSX: line/row number of the (first) header row, instead of detection. */
  headerRow?: number;
  /** CSV: force the delimiter / quote. */
  delimiter?: CsvDelimiter;
  quote?: CsvQuote;
  /** JSON: key of the top-level property holding the records. */
  arrayPath?: string;
  /** XLSX: repair TCVN3/VNI-font cells (default true). */
  repairLegacy?: boolean;
  /** CSV/XLSX: the steward's decisions about rows of the data block, by label (see structure.ts). */
  overrides?: readonly RoleOverride[];
  /** Turn these period or category columns into rows (see unpivot.ts). */
  unpivot?: UnpivotSpec;
}

const SNIFF_BYTES = 64 * 1024;
/** The name of the stream of an encrypted Office document, as its OLE directory writes it (UTF-16LE). */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');

const EXTENSIONS: Record<string, TableFormat | 'xls'> = {
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  tab: 'csv',
  xlsx: 'xlsx',
  xlsm: 'xlsx',
  xls: 'xls',
  json: 'json',
  geojson: 'geojson',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
};

const SIGNATURES: ReadonlyArray<[string, string]> = [
  ['%PDF-', 'a PDF document'],
  ['\x89PNG', 'a PNG image'],
  ['\xff\xd8\xff', 'a JPEG image'],
  ['GIF8', 'a GIF image'],
  ['\x1f\x8b', 'a gzip archive'],
  ['Rar!', 'a RAR archive'],
  ['7z\xbc\xaf', 'a 7-Zip archive'],
];

/**
 * What a binary file is, or null for text: known signatures first, then control characters
 * (text has almost none besides tab and line ends; UTF-16 text is recognised by its encoding).
 */
function binaryKind(head: Buffer, encoding: string): string | null {
  const start = head.subarray(0, 8).toString('latin1');
  for (const [magic, kind] of SIGNATURES) if (start.startsWith(magic)) return kind;
  if (encoding === 'utf-16le' || encoding === 'utf-16be' || head.length === 0) return null;
  let control = 0;
  for (const b of head) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  return control > Math.max(2, head.length / 100) ? 'binary data' : null;
}

/**
 * Decides a file's format from its first bytes and name: a zip signature is XLSX; the OLE
 * signature of old .xls is refused; JSON text is a FeatureCollection (geojson), one object per
 * line (ndjson) or a document (json); anything else is CSV.
 *
 * Throws `ParseError` PARSE_UNSUPPORTED_FORMAT for .xls (BIFF) workbooks, other zip files
 * named as something else than a workbook, and binary files (PDF, images, archives, random bytes).
 */
export function sniffFormat(head: Buffer, filename?: string): TableFormat {
  const ext = filename?.toLowerCase().match(/\.([a-z0-9]+)$/u)?.[1];
  const byName = ext === undefined ? undefined : EXTENSIONS[ext];
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'xlsx';
  if (head.length >= 8 && head.readUInt32BE(0) === 0xd0cf11e0 && head.readUInt32BE(4) === 0xa1b11ae1) {
    // Excel stores a workbook encrypted with a password to open as an OLE file holding an
    // "EncryptedPackage" stream (MS-OFFCRYPTO), whatever its extension: say so, not ".xls".
    if (head.includes(ENCRYPTED_PACKAGE)) {
      throw new ParseError('PARSE_ENCRYPTED', 'The workbook is encrypted with a password: remove the password in Excel and upload it again', { filename });
    }
    throw new ParseError('PARSE_UNSUPPORTED_FORMAT', 'Old Excel .xls workbooks are not supported: save the file as .xlsx', { filename });
  }
  if (byName === 'xls') throw new ParseError('PARSE_UNSUPPORTED_FORMAT', 'Old Excel .xls workbooks are not supported: save the file as .xlsx', { filename });
  if (byName === 'xlsx') throw new ParseError('PARSE_UNSUPPORTED_FORMAT', 'The file is named as a workbook but is not a zip/XLSX file', { filename });
  const detected = detectEncoding(head).encoding;
  const binary = binaryKind(head, detected);
  if (binary !== null) throw new ParseError('PARSE_UNSUPPORTED_FORMAT', `The file is not a table but ${binary}`, { filename, detected: binary });
  const text = decodeBuffer(head, detected).trimStart();
  if (text.startsWith('{') || text.startsWith('[')) {
    if (looksLikeFeatureCollection(text)) return 'geojson';
    if (byName === 'ndjson' || byName === 'json' || byName === 'geojson') return byName;
    if (text.startsWith('{') && /^\{.*\}\s*\r?\n\s*\{/u.test(text)) return 'ndjson';
    if (byName === undefined) return 'json';
  }
  return byName ?? 'csv';
}

/**
 * Opens any supported file as a `Table`: sniffs the format (unless given) from the name and the
 * first 64 KiB, then dispatches to the CSV, XLSX, JSON, NDJSON or GeoJSON reader; `unpivot` then
 * turns period columns into rows. The source is
 * read as a stream; only the sniffed head is buffered.
 *
 * Throws `ParseError`: PARSE_UNSUPPORTED_FORMAT (see `sniffFormat`), and whatever the chosen reader
 * throws (PARSE_NO_HEADER, PARSE_SHEET_NOT_FOUND, PARSE_INVALID_XLSX, PARSE_INVALID_JSON,
 * PARSE_INVALID_GEOJSON, PARSE_UNSUPPORTED_ENCODING).
 */
export async function openTable(source: ByteSource, options: OpenTableOptions = {}): Promise<Table> {
  const table = await openWide(source, options);
  if (options.unpivot === undefined) return table;
  try {
    return unpivotTable(table, options.unpivot);
  } catch (error) {
    await table.close();
    throw error;
  }
}

async function openWide(source: ByteSource, options: OpenTableOptions): Promise<Table> {
  const peeked = await peekSource(source, SNIFF_BYTES);
  let format: TableFormat;
  try {
    format = options.format ?? sniffFormat(peeked.head, options.filename);
  } catch (error) {
    await peeked.release();
    throw error;
  }
  const rest = peeked.chunks;
  const text = options.encoding === undefined ? {} : { encoding: options.encoding };
  switch (format) {
    case 'csv':
      return readCsv(rest, {
        ...text,
        ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
        ...(options.quote === undefined ? {} : { quote: options.quote }),
        ...(options.headerRow === undefined ? {} : { headerRow: options.headerRow }),
        ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
      });
    case 'xlsx':
      return readXlsx(rest, {
        ...(options.sheet === undefined ? {} : { sheet: options.sheet }),
        ...(options.headerRow === undefined ? {} : { headerRow: options.headerRow }),
        ...(options.repairLegacy === undefined ? {} : { repairLegacy: options.repairLegacy }),
        ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
      });
    case 'json':
      return readJson(rest, { ...text, ...(options.arrayPath === undefined ? {} : { arrayPath: options.arrayPath }) });
    case 'ndjson':
      return readNdjson(rest, text);
    case 'geojson':
      return readGeoJson(rest, text);
    default: {
      const never: never = format;
      throw new ParseError('PARSE_UNSUPPORTED_FORMAT', `Unsupported format: ${String(never)}`);
    }
  }
}
