/**
 * The streaming parsing library of the ingestion module: bytes of a messy provincial file in,
 * rows of NFC strings out, plus typed value parsers. No database, no HTTP. See README.md.
 */
export { ParseError, type ParseErrorCode } from './errors.js';
export {
  detectEncoding,
  decodeStream,
  decodeBuffer,
  repairLegacyText,
  TEXT_ENCODINGS,
  type TextEncoding,
  type DetectedEncoding,
} from './encoding.js';
export { tcvn3ToUnicode, vniToUnicode, unicodeToTcvn3, unicodeToVni } from './legacy.js';
export { isVietnameseSyllable } from './syllable.js';
export {
  parseNumber,
  inferNumberFormat,
  parseDate,
  excelSerialToIso,
  parseBoolean,
  foldVietnamese,
  inferColumnType,
  isBlank,
  VIETNAMESE_NUMBER_FORMAT,
  MACHINE_NUMBER_FORMAT,
  type NumberFormat,
  type InferredNumberFormat,
  type DateOptions,
  type BooleanOptions,
  type ColumnType,
  type ColumnTypeGuess,
} from './values.js';
export type { Table, TableRow, TableHeader, TableFormat } from './table.js';
export { CsvRecordEnds } from './csv-tokenizer.js';
export type { ByteSource } from './source.js';
export { readCsv, readCsvBlock, sniffCsv, SNIFF_BYTES, detectCsvDialect, type CsvBlock, type CsvOptions, type CsvDialect, type CsvDelimiter, type CsvQuote } from './csv.js';
export { readXlsx, listSheets, cellToText, type XlsxOptions, type SheetInfo } from './xlsx.js';
export { readJson, readNdjson, readGeoJson, flattenRecord, GEOMETRY_COLUMN, type JsonOptions } from './json.js';
export { openTable, sniffFormat, type OpenTableOptions } from './open.js';
export { periodValue, unpivotTable, type UnpivotSpec } from './unpivot.js';
export {
  rowLabelKey, markerLevel, mergeStructures, emptyStructure, ROW_ROLES, GROUP_COLUMN, MAX_LEFT_OUT,
  type RowRole, type LeftOutRow, type TotalCheck, type RoleOverride, type TableStructure, type StructureContext, type Reason,
} from './structure.js';
