import { Readable, pipeline, type Duplex } from 'node:stream';
import parserStream from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { decodeBuffer, decodeStream, detectEncoding, type TextEncoding } from './encoding.js';
import { ParseError } from './errors.js';
import { peekSource, type ByteSource } from './source.js';
import { tableFromEvents, type Table, type TableEvent } from './table.js';
import { MACHINE_NUMBER_FORMAT } from './values.js';

export interface JsonOptions {
  /** Skip detection and decode with this encoding (JSON is UTF-8 by the standard). */
  encoding?: TextEncoding;
  /**
   * Key of the top-level property holding the array of records (`{"data": [...]}`). Default: the
   * top level when it is an array, else the first top-level property whose value is an array.
   */
  arrayPath?: string;
  /** Records examined before the header is announced; later new keys append columns. Default 1000. */
  headerSample?: number;
}

/** Column that holds the feature geometry of GeoJSON, as JSON text. */
export const GEOMETRY_COLUMN = 'geometry';
const SNIFF_BYTES = 64 * 1024;
const DEFAULT_HEADER_SAMPLE = 1000;

/**
 * Flattens a JSON record into column → text: nested objects become dotted names ("dia_chi.xa"),
 * arrays become JSON text, null becomes '', strings are NFC and trimmed, numbers and booleans
 * are written as JSON writes them. A record that is not an object becomes the column "value".
 * Throws nothing.
 */
export function flattenRecord(record: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    out.set('value', scalarToText(record));
    return out;
  }
  const walk = (value: Record<string, unknown>, prefix: string): void => {
    for (const [key, v] of Object.entries(value)) {
      const name = prefix === '' ? key.normalize('NFC') : `${prefix}.${key.normalize('NFC')}`;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) walk(v as Record<string, unknown>, name);
      else out.set(name, scalarToText(v));
    }
  };
  walk(record as Record<string, unknown>, '');
  return out;
}

function scalarToText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.normalize('NFC').trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Turns flattened records into table events: header from a sample, late keys append columns. */
async function* recordEvents(
  records: AsyncIterable<{ line: number; columns: Map<string, string> }>,
  sampleSize: number,
): AsyncGenerator<TableEvent, void, undefined> {
  const headers: string[] = [];
  const index = new Map<string, number>();
  const toValues = (columns: Map<string, string>): string[] => {
    for (const key of columns.keys()) {
      if (!index.has(key)) {
        index.set(key, headers.length);
        headers.push(key);
      }
    }
    const values = new Array<string>(headers.length).fill('');
    for (const [key, v] of columns) values[index.get(key)!] = v;
    return values;
  };
  const iterator = records[Symbol.asyncIterator]();
  try {
    const sample: Array<{ line: number; columns: Map<string, string> }> = [];
    while (sample.length < sampleSize) {
      const next = await iterator.next();
      if (next.done === true) break;
      sample.push(next.value);
      toValues(next.value.columns); // registers the keys in first-seen order
    }
    yield { kind: 'header', headers, headerLine: 0 };
    for (const record of sample) yield { kind: 'row', line: record.line, values: toValues(record.columns) };
    sample.length = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      yield { kind: 'row', line: next.value.line, values: toValues(next.value.columns) };
    }
  } finally {
    await iterator.return?.(undefined);
  }
}

/**
 * Finds where the records are in a JSON document from its first bytes: '' for a top-level array,
 * a key for the first top-level property whose value is an array, null when neither is visible.
 */
function findArrayPath(head: string): string | null {
  let i = 0;
  const skipSpace = (): void => {
    while (i < head.length && /\s/u.test(head[i]!)) i++;
  };
  skipSpace();
  if (head[i] === '[') return '';
  if (head[i] !== '{') return null;
  i++;
  let depth = 1;
  let lastKey: string | null = null;
  let expectValue = false;
  while (i < head.length) {
    const ch = head[i]!;
    if (ch === '"') {
      let j = i + 1;
      let text = '';
      while (j < head.length && head[j] !== '"') {
        if (head[j] === '\\') j++;
        text += head[j] ?? '';
        j++;
      }
      if (depth === 1 && !expectValue) lastKey = text;
      expectValue = false;
      i = j + 1;
      continue;
    }
    if (ch === ':' && depth === 1) expectValue = true;
    else if (ch === '[' || ch === '{') {
      if (depth === 1 && expectValue && ch === '[' && lastKey !== null) return lastKey;
      depth++;
      expectValue = false;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectValue = false;
    i++;
  }
  return null;
}

function jsonError(error: unknown, what: string): ParseError {
  if (error instanceof ParseError) return error;
  return new ParseError('PARSE_INVALID_JSON', `The ${what} is not valid JSON: ${(error as Error).message ?? String(error)}`, {}, { cause: error });
}

/** Streams the elements of the array at `path` ('' = top level) as assembled values. */
async function* streamElements(text: AsyncIterable<string>, path: string): AsyncGenerator<{ index: number; value: unknown }, void, undefined> {
  const input = Readable.from(text, { objectMode: true });
  const stages: Duplex[] = [parserStream()];
  if (path !== '') stages.push(pick.asStream({ filter: path, once: true }));
  stages.push(streamArray.asStream());
  const out = pipeline([input, ...stages], () => {
    // Errors reach the consumer through the last stage's async iterator.
  }) as unknown as Readable;
  try {
    for await (const item of out as AsyncIterable<{ key: number; value: unknown }>) yield { index: item.key, value: item.value };
  } catch (error) {
    throw jsonError(error, 'file');
  } finally {
    input.destroy();
    for (const s of stages) s.destroy();
  }
}

async function sniffText(source: ByteSource, encoding: TextEncoding | undefined) {
  const peeked = await peekSource(source, SNIFF_BYTES);
  const enc = encoding ?? detectEncoding(peeked.head).encoding;
  return { enc, head: decodeBuffer(peeked.head, enc), text: decodeStream(peeked.chunks, enc), release: peeked.release };
}

/**
 * Opens a JSON document holding an array of records (top level, or under `arrayPath`), streaming
 * it: a 1 GB array is never held whole. Objects are flattened to columns with `flattenRecord`;
 * `line` is the record's 1-based position. Headers come from the first `headerSample` records;
 * a key first seen later appends a column to `table.headers`.
 *
 * Throws `ParseError` PARSE_INVALID_JSON when no array of records can be found; reading the rows
 * throws PARSE_INVALID_JSON for malformed JSON.
 */
export async function readJson(source: ByteSource, options: JsonOptions = {}): Promise<Table> {
  const { enc, head, text, release } = await sniffText(source, options.encoding);
  const path = options.arrayPath ?? findArrayPath(head);
  if (path === null) {
    await release();
    throw new ParseError('PARSE_INVALID_JSON', 'The JSON document is not an array of records and has no array property', {});
  }
  async function* records() {
    for await (const { index, value } of streamElements(text, path!)) yield { line: index + 1, columns: flattenRecord(value) };
  }
  return tableFromEvents(recordEvents(records(), options.headerSample ?? DEFAULT_HEADER_SAMPLE), {
    format: 'json',
    encoding: enc,
    sheet: null,
    machineNumberFormat: MACHINE_NUMBER_FORMAT,
  });
}

/** Splits a text stream into lines without holding more than one line. */
async function* lines(text: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  let carry = '';
  for await (const chunk of text) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop() ?? '';
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  if (carry !== '') yield carry;
}

/**
 * Opens newline-delimited JSON (one record per line; blank lines skipped). `line` is the physical
 * line. Throws like `readJson`; a malformed line makes reading the rows throw PARSE_INVALID_JSON
 * with `details.line`.
 */
export async function readNdjson(source: ByteSource, options: Omit<JsonOptions, 'arrayPath'> = {}): Promise<Table> {
  const { enc, text } = await sniffText(source, options.encoding);
  async function* records() {
    let line = 0;
    for await (const raw of lines(text)) {
      line++;
      if (raw.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new ParseError('PARSE_INVALID_JSON', `Line ${line} is not valid JSON: ${(error as Error).message}`, { line }, { cause: error });
      }
      yield { line, columns: flattenRecord(value) };
    }
  }
  return tableFromEvents(recordEvents(records(), options.headerSample ?? DEFAULT_HEADER_SAMPLE), {
    format: 'ndjson',
    encoding: enc,
    sheet: null,
    machineNumberFormat: MACHINE_NUMBER_FORMAT,
  });
}

/** Whether the first bytes of a document look like a GeoJSON FeatureCollection. */
export function looksLikeFeatureCollection(head: string): boolean {
  return /"type"\s*:\s*"FeatureCollection"/u.test(head) || (findArrayPath(head) === 'features' && /"type"\s*:\s*"Feature"/u.test(head));
}

/**
 * Opens a GeoJSON FeatureCollection, streaming its features: each feature's properties become
 * columns (flattened as in `readJson`), its `id` the column "id" unless a property has that name,
 * and its geometry the JSON-text column `geometry` ('' when null). `line` is the feature's 1-based
 * position. Throws `ParseError` PARSE_INVALID_GEOJSON when the document is not a FeatureCollection;
 * reading the rows throws PARSE_INVALID_JSON for malformed JSON.
 */
export async function readGeoJson(source: ByteSource, options: Omit<JsonOptions, 'arrayPath'> = {}): Promise<Table> {
  const { enc, head, text, release } = await sniffText(source, options.encoding);
  if (!looksLikeFeatureCollection(head)) {
    await release();
    throw new ParseError('PARSE_INVALID_GEOJSON', 'The document is not a GeoJSON FeatureCollection');
  }
  async function* records() {
    for await (const { index, value } of streamElements(text, 'features')) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ParseError('PARSE_INVALID_GEOJSON', `Feature ${index + 1} is not an object`, { feature: index + 1 });
      }
      const feature = value as { properties?: unknown; geometry?: unknown; id?: unknown };
      const columns = flattenRecord(feature.properties ?? {});
      if (columns.size === 1 && columns.has('value') && typeof feature.properties !== 'object') columns.clear();
      if (feature.id !== undefined && !columns.has('id')) columns.set('id', scalarToText(feature.id));
      columns.set(GEOMETRY_COLUMN, feature.geometry === null || feature.geometry === undefined ? '' : JSON.stringify(feature.geometry));
      yield { line: index + 1, columns };
    }
  }
  return tableFromEvents(recordEvents(records(), options.headerSample ?? DEFAULT_HEADER_SAMPLE), {
    format: 'geojson',
    encoding: enc,
    sheet: null,
    machineNumberFormat: MACHINE_NUMBER_FORMAT,
  });
}
