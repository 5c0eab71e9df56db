import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Config } from '../../core/config/index.js';
import type { Db } from '../../core/db/index.js';
import type { EventBus } from '../../core/events/index.js';
import { maskPersonal } from '../../core/masking.js';
import { CSV_BOM, csvRow } from '../../core/csv.js';
import { AppError, invalid, notFound } from '../../core/errors.js';
import { authorize, type Principal } from '../../core/auth/index.js';
import { ObjectTooLargeError, type ObjectStore } from '../../core/objects/index.js';
import type { CatalogService, ColumnSpec, Dataset } from '../catalog/index.js';
import type { DictionaryService } from '../dictionary/index.js';
import type { EncoderPlan, LoadMode, WarehouseService, WhColumn } from '../warehouse/index.js';
import {
  emptyStructure, foldVietnamese, inferColumnType, rowLabelKey, inferNumberFormat, listSheets, openTable, parseBoolean, parseDate, parseNumber, ParseError,
  VIETNAMESE_NUMBER_FORMAT, type ColumnTypeGuess, type NumberFormat, type RoleOverride, type Table, type TableStructure, type TotalCheck, type UnpivotSpec,
} from './parse/index.js';
import { feedInThread, isWorkbook, LoadWorker, splitFor, WORKER_MIN_BYTES, type LoadFeed } from './load-feed.js';
import { freshness, QualityAccumulator, totalProblems, withTotalChecks, type QualityProblem, type QualityScores } from './quality.js';
import type { FeedResult, FeedSetup } from './row-feed.js';
import { IngestStore, type RunRow, type UploadRow } from './store.js';
import type { Reject, TargetColumn } from './validate.js';

const SAMPLE_ROWS = 2000;
/** Sheets of a workbook whose tables a preview describes. */
const MAX_SHEETS_DESCRIBED = 30;

/** Thrown inside the load transaction to roll it back when the file is refused. */
class RefusedLoad extends Error {}

export interface IngestRequest {
  /** Dataset id or slug. */
  dataset: string;
  uploadId: string;
  mode: LoadMode;
  /** Load the valid rows and keep the rest as rejects; otherwise any reject stops the load. */
  validRowsOnly: boolean;
  sheet?: string;
  /** Dataset column name → file header feeding it (null: leave empty). Unlisted columns are matched automatically. */
  mapping?: Record<string, string | null>;
  /** When the dataset does not exist: create it with a draft schema inferred from the file. */
  create?: boolean;
  /** Title of a dataset created with `create` (default: the file name). */
  title?: string;
  /**
   * File headers whose columns are the key of the schema this run infers (with `create`, or for a
   * catalogue entry without a schema yet): required, unique, and what "changed" rows of a diff and
   * upsert match on. Refused when the dataset already has a schema.
   */
  keys?: string[];
  /**
   * The steward's decisions about rows of a report template, by row label (see parse/structure.ts):
   * remembered for the next file of the same template. Absent: the remembered ones apply.
   */
  overrides?: RoleOverride[];
  /** Turn period or category columns ("Năm 2021" … "Năm 2025") into rows of two new columns. */
  unpivot?: UnpivotSpec;
}

/** What structure recognition did to a file, as a preview or a run reports it. */
export interface StructureReport {
  leftOut: TableStructure['leftOut'];
  leftOutCount: number;
  totals: TotalCheck[];
  totalsUnchecked: number;
  groupColumn: string | null;
  headerPaths: string[][];
  warnings: { vi: string; en: string }[];
}

/** Rows left out and total checks shown in a preview or a summary; all are counted. */
const REPORTED_ROWS = 200;

function reportOf(s: TableStructure): StructureReport {
  return {
    leftOut: s.leftOut.slice(0, REPORTED_ROWS), leftOutCount: s.leftOutCount,
    // Mismatches first: they are what a steward must see.
    totals: [...s.totals].sort((a, b) => Number(a.ok) - Number(b.ok) || a.line - b.line).slice(0, REPORTED_ROWS),
    totalsUnchecked: s.totalsUnchecked, groupColumn: s.groupColumn, headerPaths: s.headerPaths, warnings: s.warnings,
  };
}

/** A report template is known by its header: the folded names of its columns, in order. */
function templateFingerprint(table: Table): string {
  const names = table.context?.headers ?? table.headers;
  return createHash('sha256').update(names.map(key).join('\u001f')).digest('hex').slice(0, 32);
}

/** Values of a sample column that do not fit the type guessed for it, with their lines. */
function exceptionsOf(guess: ColumnTypeGuess, values: readonly { line: number; value: string }[]): { line: number; value: string }[] {
  const fits = (v: string): boolean => {
    switch (guess.type) {
      case 'integer':
      case 'number':
        return parseNumber(v, guess.numberFormat) !== null;
      case 'date':
        return parseDate(v) !== null;
      case 'boolean':
        return parseBoolean(v, { blankIsFalse: guess.blankIsFalse === true }) !== null;
      default:
        return true;
    }
  };
  return values.filter((x) => x.value.trim() !== '' && !fits(x.value.trim())).slice(0, 20);
}

export interface IngestSummary {
  runId: string;
  dataset: string;
  datasetId: string;
  status: 'loaded' | 'rejected';
  version: number | null;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  format: string;
  encoding: string | null;
  sheet: string | null;
  mapping: Record<string, string | null>;
  quality: QualityScores;
  rejects: Reject[];
  /** Why a refused run loaded nothing when no row is to blame (e.g. no data rows). */
  error: { vi: string; en: string } | null;
  /** Rows kept out of the version (titles, totals, group headings, signatures…), total checks. */
  structure: StructureReport;
  /** Problems of the quality report beyond single cells (a total that is not the sum of its rows). */
  problems: QualityProblem[];
  /** The row decisions the run read the file with, and whether they were remembered from an earlier file. */
  overrides: RoleOverride[];
}

export interface PreviewColumn {
  header: string;
  type: string;
  hint: string | null;
  element: { code: string; name: string } | null;
  /** Sample values that do not fit `type`: each will be a reject with its reason. */
  exceptions: { line: number; value: string }[];
  mismatches: number;
}

/** Folded form used to match headers with column titles: no diacritics, case, spaces or punctuation. */
const key = (s: string) => foldVietnamese(s).replace(/[^a-z0-9]+/g, '');

/** A column name for the warehouse from a Vietnamese header: "Dân số (người)" → "dan_so_nguoi". */
export function columnNameFor(header: string, taken: Set<string>): string {
  let base = foldVietnamese(header).replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 50) || 'cot';
  if (!/^[a-z]/.test(base)) base = `c_${base}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function parseProblem(e: unknown): never {
  if (e instanceof ParseError) {
    const vi: Record<string, string> = {
      PARSE_UNSUPPORTED_FORMAT: 'Định dạng tệp không được hỗ trợ (dùng CSV, XLSX, JSON, NDJSON hoặc GeoJSON; lưu .xls thành .xlsx)',
      PARSE_UNSUPPORTED_ENCODING: 'Không nhận diện được bảng mã của tệp',
      PARSE_INVALID_ENCODING: 'Tệp có byte không hợp lệ trong bảng mã UTF-8; hãy lưu lại tệp với bảng mã UTF-8 (hoặc Windows-1258) rồi tải lên lại',
      PARSE_LIMIT_EXCEEDED: e.details.limit === 'inflated'
        ? 'Tệp Excel giải nén ra quá lớn so với kích thước tệp (nghi là “bom zip”); tệp bị từ chối'
        : e.details.limit === 'columns'
          ? `Tệp có quá nhiều cột (tối đa ${String(e.details.max)} cột)`
          : `Một dòng của tệp quá dài (một ô hoặc một bản ghi vượt quá ${Math.round(Number(e.details.max) / 1048576)} MB)${e.details.line ? `, gần dòng ${String(e.details.line)}` : ''}`,
      PARSE_SHEET_NOT_FOUND: 'Không có trang tính (sheet) với tên này',
      PARSE_NO_HEADER: 'Không tìm thấy dòng tiêu đề trong tệp: tệp (trang tính) trống, hoặc không có dòng tên cột phía trên dữ liệu',
      PARSE_UNPIVOT_COLUMNS: Array.isArray(e.details.missing) && e.details.missing.length
        ? `Không có cột ${(e.details.missing as string[]).map((m) => `“${m}”`).join(', ')} trong tệp để xoay thành dòng`
        : e.details.into ? 'Cần hai tên cho hai cột mới (kỳ, giá trị), ví dụ nam,gia_tri' : `Cột “${String(e.details.from)}” phải đứng trước cột “${String(e.details.to)}”`,
      PARSE_HEADER_TOO_DEEP: `Không nhận ra dòng tiêu đề cột: phần tiêu đề kéo dài ${String(e.details.rows)} dòng từ dòng ${String(e.details.line)} (biểu mẫu có tối đa ${String(e.details.max)} dòng tiêu đề). Hãy để tiêu đề cột gọn trong vài dòng rồi tải lên lại`,
      PARSE_INVALID_CSV: 'Tệp CSV bị lỗi cấu trúc',
      PARSE_INVALID_JSON: 'Tệp JSON không hợp lệ',
      PARSE_INVALID_GEOJSON: 'Tệp GeoJSON không hợp lệ',
      PARSE_INVALID_XLSX: 'Tệp Excel bị hỏng hoặc không hợp lệ',
      PARSE_ENCRYPTED: 'Tệp Excel được đặt mật khẩu để mở (đã mã hóa) nên hệ thống không đọc được. Hãy mở tệp trong Excel, gỡ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu, để trống) rồi tải lên lại',
      PARSE_ROWS_ALREADY_READ: 'Lỗi đọc tệp',
    };
    throw new AppError('VALIDATION_FAILED', { vi: vi[e.code] ?? 'Không đọc được tệp', en: e.message }, { parseCode: e.code, ...e.details });
  }
  throw e;
}

/**
 * Ingestion: raw bytes are stored first (content-addressed, never modified), then parsed, mapped to
 * the dataset's columns, validated row by row, scored on the four quality dimensions and loaded as
 * a new immutable warehouse version — all in one transaction with the catalogue update and the
 * `dataset.version.published` event. A run that is refused keeps its rejects for download.
 */
export class IngestService {
  private readonly store: IngestStore;

  constructor(
    private readonly deps: {
      db: Db;
      config: Config;
      objects: ObjectStore;
      events: EventBus;
      catalog: CatalogService;
      dictionary: DictionaryService;
      warehouse: WarehouseService;
      /** User id → display name, for lineage. */
      displayNames: (ids: string[]) => Promise<Map<string, string>>;
    },
  ) {
    this.store = new IngestStore(deps.db);
  }

  /**
   * Stores an upload's bytes as they came. @throws AppError PAYLOAD_TOO_LARGE beyond the configured limit.
   */
  async upload(actor: Principal, source: Readable | AsyncIterable<Buffer>, meta: { filename: string; contentType: string | null }): Promise<UploadRow> {
    authorize(actor, 'data:write');
    const filename = meta.filename.normalize('NFC').replace(/[\u0000-\u001f/\\]/g, '_').slice(0, 255) || 'upload';
    let stored;
    try {
      stored = await this.deps.objects.put(source, { maxBytes: this.deps.config.maxUploadMb * 1024 * 1024 });
    } catch (e) {
      if (e instanceof ObjectTooLargeError) {
        throw new AppError('PAYLOAD_TOO_LARGE', { vi: `Tệp vượt quá ${this.deps.config.maxUploadMb} MB`, en: `File exceeds ${this.deps.config.maxUploadMb} MB` });
      }
      throw e;
    }
    return this.store.insertUpload({ sha256: stored.sha256, size: stored.size, filename, content_type: meta.contentType, uploaded_by: actor.id, org_id: actor.orgId });
  }

  async getUpload(actor: Principal, id: string): Promise<UploadRow> {
    authorize(actor, 'data:write');
    const u = await this.store.getUpload(id);
    if (!u || (u.org_id !== actor.orgId && actor.role !== 'admin' && actor.kind !== 'system')) {
      throw notFound({ vi: 'Không có tệp tải lên này', en: 'No such upload' });
    }
    return u;
  }

  private async open(upload: UploadRow, sheet?: string, overrides?: readonly RoleOverride[], unpivot?: UnpivotSpec): Promise<Table> {
    try {
      return await openTable(this.deps.objects.open(upload.sha256), {
        filename: upload.filename, ...(sheet ? { sheet } : {}), ...(overrides?.length ? { overrides } : {}), ...(unpivot ? { unpivot } : {}),
      });
    } catch (e) {
      parseProblem(e);
    }
  }

  /**
   * Opens a file with the row decisions for its template: `given` when the steward sent some, else
   * those remembered for the template of the actor's organisation. Reopens when remembered ones
   * apply (the template is known by the header, which the decisions do not change).
   */
  private async openWithOverrides(actor: Principal, upload: UploadRow, sheet: string | undefined, given: readonly RoleOverride[] | undefined, unpivot?: UnpivotSpec) {
    let table = await this.open(upload, sheet, given, unpivot);
    const fingerprint = templateFingerprint(table);
    if (given !== undefined) return { table, fingerprint, overrides: [...given], remembered: false };
    const stored = table.format === 'csv' || table.format === 'xlsx' ? await this.store.templateOverrides(actor.orgId ?? '', fingerprint) : null;
    if (!stored?.length) return { table, fingerprint, overrides: [] as RoleOverride[], remembered: false };
    await table.close();
    table = await this.open(upload, sheet, stored, unpivot);
    return { table, fingerprint, overrides: stored, remembered: true };
  }

  /**
   * What the column-mapping screen needs: format, sheets and their tables, headers, sample rows,
   * guessed types with their exceptions, dictionary matches, and the rows left out with their roles.
   */
  async preview(actor: Principal, uploadId: string, opts: { sheet?: string; rows?: number; overrides?: RoleOverride[]; unpivot?: UnpivotSpec } = {}) {
    const upload = await this.getUpload(actor, uploadId);
    const { table, fingerprint, overrides, remembered } = await this.openWithOverrides(actor, upload, opts.sheet, opts.overrides, opts.unpivot);
    const sample: { line: number; values: string[] }[] = [];
    let more = false;
    try {
      for await (const row of table.rows) {
        if (sample.length >= SAMPLE_ROWS) {
          more = true;
          break;
        }
        sample.push({ line: row.line, values: row.values.slice(0, table.headers.length) });
      }
    } catch (e) {
      parseProblem(e);
    } finally {
      await table.close();
    }
    const sheets = table.format === 'xlsx' ? await this.sheetTables(upload) : [];
    const matches = await this.deps.dictionary.matchHeaders(table.headers);
    const columns: PreviewColumn[] = table.headers.map((h, i) => {
      const values = sample.map((r) => ({ line: r.line, value: r.values[i] ?? '' }));
      const guess = inferColumnType(values.map((v) => v.value));
      const el = matches.get(h);
      return {
        header: h, type: el?.type ?? guess.type, hint: guess.hint ?? null, element: el ? { code: el.code, name: el.nameVi } : null,
        exceptions: exceptionsOf(guess, values), mismatches: guess.mismatches,
      };
    });
    const structure = reportOf(table.structure);
    const warnings = [...structure.warnings];
    if (sample.length === 0) {
      warnings.unshift(table.structure.totals.length > 0 || table.structure.leftOut.some((r) => r.role === 'total')
        ? { vi: 'Bảng chỉ có dòng tổng, không có dòng dữ liệu nào: không có gì để nạp', en: 'The table has only a total row and no data rows: nothing to load' }
        : { vi: 'Không tìm thấy dòng dữ liệu nào dưới dòng tiêu đề', en: 'No data rows were found below the header' });
    }
    const mismatched = table.structure.totals.filter((t) => !t.ok);
    if (mismatched.length) warnings.push(...totalProblems(mismatched).slice(0, 10).map((p) => ({ vi: p.vi, en: p.en })));
    return {
      upload: { id: upload.id, filename: upload.filename, size: upload.size, sha256: upload.sha256 },
      format: table.format, encoding: table.encoding, sheet: table.sheet, sheets: sheets.map((s) => s.name), sheetTables: sheets, headerLine: table.headerLine,
      headers: table.headers, wideHeaders: table.wideHeaders ?? table.headers, columns, rows: sample.slice(0, Math.min(opts.rows ?? 20, 200)).map((r) => r.values),
      rowLines: sample.slice(0, Math.min(opts.rows ?? 20, 200)).map((r) => r.line),
      // What an override names each row by (a data row can be left out too).
      rowLabels: sample.slice(0, Math.min(opts.rows ?? 20, 200)).map((r) => rowLabelKey(table.structure.groupColumn ? r.values.slice(0, -1) : r.values)),
      dataRows: sample.length, moreRows: more,
      structure: { ...structure, warnings }, template: { fingerprint, overrides, remembered }, unpivot: opts.unpivot ?? null,
    };
  }

  /** The sheets of an uploaded workbook with the table detected on each (none for other formats). */
  async sheets(actor: Principal, uploadId: string) {
    const upload = await this.getUpload(actor, uploadId);
    if (!isWorkbook(upload.filename)) return [];
    try {
      return await this.sheetTables(upload);
    } catch (e) {
      parseProblem(e);
    }
  }

  /** The sheets of a workbook with the table detected on each (header, data rows of the first sample), or why there is none. */
  private async sheetTables(upload: UploadRow) {
    const sheets = await listSheets(this.deps.objects.open(upload.sha256));
    const out: { name: string; hidden: boolean; headers: string[]; headerLine: number | null; dataRows: number; leftOut: number; error: { vi: string; en: string } | null }[] = [];
    for (const s of sheets.slice(0, MAX_SHEETS_DESCRIBED)) {
      try {
        const t = await openTable(this.deps.objects.open(upload.sha256), { filename: upload.filename, sheet: s.name });
        let n = 0;
        try {
          for await (const _row of t.rows) if (++n >= SAMPLE_ROWS) break;
        } finally {
          await t.close();
        }
        out.push({ name: s.name, hidden: s.hidden, headers: t.headers, headerLine: t.headerLine, dataRows: n, leftOut: t.structure.leftOutCount, error: null });
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        out.push({ name: s.name, hidden: s.hidden, headers: [], headerLine: null, dataRows: 0, leftOut: 0, error: { vi: e.code === 'PARSE_NO_HEADER' ? 'Trang tính trống: không có bảng' : 'Không đọc được trang tính này', en: e.message } });
      }
    }
    return out;
  }

  /** Builds a draft schema from a file: names, types, dictionary elements. */
  private async inferSchema(table: Table, sample: string[][]): Promise<ColumnSpec[]> {
    const matches = await this.deps.dictionary.matchHeaders(table.headers);
    const taken = new Set<string>();
    return table.headers.map((h, i) => {
      const el = matches.get(h);
      const guess = inferColumnType(sample.map((r) => r[i] ?? ''));
      const name = el && !taken.has(el.code) && /^[a-z][a-z0-9_]{0,62}$/.test(el.code) ? (taken.add(el.code), el.code) : columnNameFor(h, taken);
      const type = (el?.type ?? (guess.hint === 'commune-code' ? 'text' : guess.type)) as ColumnSpec['type'];
      return { name, title: h, type, elementCode: el?.code ?? null, required: false, key: false, unit: el?.unit ?? null, codeList: el?.codeList ?? null, rules: {} };
    });
  }

  /**
   * Runs one ingestion. Reads the stored file up to three times (sample, validate, load) so that no
   * pass holds it in memory. @throws AppError NOT_FOUND, FORBIDDEN, VALIDATION_FAILED (unreadable file, bad mapping).
   */
  async ingest(actor: Principal, req: IngestRequest): Promise<IngestSummary> {
    authorize(actor, 'data:write');
    const upload = await this.getUpload(actor, req.uploadId);
    // A large file's rows are checked in a worker thread (load-feed.ts). A text file's worker is
    // started now, so that its start-up overlaps what comes before the load; a workbook's (a zip,
    // possibly a bomb) only once the sample pass has read it without tripping a limit, so that a
    // refused file never costs a thread and its heap.
    let worker: LoadWorker | null = null;
    const large = Number(upload.size) >= WORKER_MIN_BYTES;
    const startWorker = () => (worker ??= large ? new LoadWorker(this.deps.objects.open(upload.sha256), { filename: upload.filename, sheet: req.sheet ?? null, size: Number(upload.size) }, splitFor(this.deps.config.ingestWorkers)) : null);
    if (!isWorkbook(upload.filename)) startWorker();
    try {
      return await this.ingestWith(actor, req, upload, startWorker);
    } finally {
      await (worker as LoadWorker | null)?.stop();
    }
  }

  /** {@link ingest}, the rows checked by the worker `startWorker` gives, or in this thread when it gives none. */
  private async ingestWith(actor: Principal, req: IngestRequest, upload: UploadRow, startWorker: () => LoadWorker | null): Promise<IngestSummary> {
    const { catalog, dictionary, warehouse, db, events } = this.deps;

    // Pass 0: header and a sample, for number formats and (with create) the draft schema.
    const { table: first, fingerprint, overrides, remembered } = await this.openWithOverrides(actor, upload, req.sheet, req.overrides, req.unpivot);
    const sample: string[][] = [];
    try {
      for await (const row of first.rows) {
        sample.push(row.values);
        if (sample.length >= SAMPLE_ROWS) break;
      }
    } catch (e) {
      parseProblem(e);
    } finally {
      await first.close();
    }
    const worker = startWorker();

    let dataset: Dataset;
    try {
      dataset = await catalog.getDataset(actor, req.dataset);
    } catch (e) {
      if (!(req.create && e instanceof AppError && e.code === 'NOT_FOUND')) throw e;
      const columns = withKeys(await this.inferSchema(first, sample), req.keys);
      dataset = await catalog.createDataset(actor, {
        slug: req.dataset, title: req.title?.normalize('NFC') || upload.filename.replace(/\.[a-z0-9]+$/i, ''), publisherOrgId: actor.orgId ?? 'so-khcn', columns,
      });
    }
    authorize(actor, 'data:write', { orgId: dataset.publisherOrgId });
    if (!dataset.columns.length) {
      const columns = withKeys(await this.inferSchema(first, sample), req.keys);
      dataset = await catalog.setSchema(actor, dataset.id, columns);
    } else if (req.keys?.length && !sameKeys(dataset.columns, req.keys)) {
      // The same keys again are fine: a script re-running its `--create --key …` after a refused first load.
      throw invalid(
        { vi: `Tập dữ liệu ${dataset.slug} đã có lược đồ: đổi cột khóa trên trang tập dữ liệu, không phải khi nạp`, en: `Dataset ${dataset.slug} already has a schema: change its key columns on the dataset page, not at load time` },
        [{ field: 'keys', message: 'the dataset already has a schema' }],
      );
    }
    const keyColumns = dataset.columns.filter((c) => c.key).map((c) => c.name);
    if (req.mode === 'upsert' && keyColumns.length === 0) {
      throw invalid({ vi: 'Chế độ upsert cần tập dữ liệu có cột khóa', en: 'Upsert needs a dataset with key columns' });
    }

    // Column mapping: explicit choices first, then titles, names and dictionary elements.
    const headerIndex = new Map(first.headers.map((h, i) => [h, i]));
    const byKey = new Map(first.headers.map((h, i) => [key(h), i]));
    const elementOf = await dictionary.matchHeaders(first.headers);
    const sourceIndex = new Map<string, number>();
    const mapping: Record<string, string | null> = {};
    for (const c of dataset.columns) {
      let idx: number | undefined;
      if (req.mapping && c.name in req.mapping) {
        const h = req.mapping[c.name];
        if (h !== null && h !== undefined) {
          idx = headerIndex.get(h);
          if (idx === undefined) throw invalid({ vi: `Không có cột “${h}” trong tệp`, en: `No column "${h}" in the file` }, [{ field: `mapping.${c.name}`, message: 'unknown header' }]);
        }
      } else {
        idx = byKey.get(key(c.title)) ?? byKey.get(key(c.name));
        if (idx === undefined && c.elementCode) {
          const h = first.headers.find((x) => elementOf.get(x)?.code === c.elementCode);
          if (h !== undefined) idx = headerIndex.get(h);
        }
      }
      if (idx !== undefined) sourceIndex.set(c.name, idx);
      mapping[c.name] = idx === undefined ? null : first.headers[idx]!;
    }
    if (sourceIndex.size === 0) {
      throw invalid({ vi: 'Không cột nào của tệp khớp với lược đồ tập dữ liệu; hãy chọn ánh xạ cột', en: 'No file column matches the dataset schema; choose a column mapping' });
    }
    if (req.mapping) {
      for (const name of Object.keys(req.mapping)) {
        if (!dataset.columns.some((c) => c.name === name)) throw invalid({ vi: `Tập dữ liệu không có cột ${name}`, en: `The dataset has no column ${name}` });
      }
    }

    // Columns merged with their dictionary elements (rules and code lists come from the element).
    const elements = new Map((await dictionary.getElements(dataset.columns.map((c) => c.elementCode).filter((x): x is string => !!x))).map((e) => [e.code, e]));
    const targets: TargetColumn[] = dataset.columns.map((c) => {
      const el = c.elementCode ? elements.get(c.elementCode) : undefined;
      return {
        name: c.name, title: c.title, type: c.type, key: c.key,
        required: c.required || el?.rules?.required === true,
        codeList: c.codeList ?? el?.codeList ?? null,
        rules: { ...(el?.rules ?? {}), ...(c.rules ?? {}) },
      };
    });
    const codeLists = new Map<string, Set<string>>();
    for (const t of targets) if (t.codeList && !codeLists.has(t.codeList)) codeLists.set(t.codeList, await dictionary.codeListValues(t.codeList));
    // A reject names the list as the steward knows it ("Danh mục xã, phường …"), not by its code.
    const listNames = new Map<string, { vi: string; en: string | null }>();
    for (const code of codeLists.keys()) {
      const list = await dictionary.describeCodeList(code);
      listNames.set(code, { vi: list.name, en: list.nameEn });
    }
    for (const t of targets) if (t.codeList) t.codeListName = listNames.get(t.codeList) ?? null;
    const numberFormats = new Map<string, NumberFormat>();
    for (const t of targets) {
      const idx = sourceIndex.get(t.name);
      if (idx !== undefined && (t.type === 'integer' || t.type === 'number')) {
        numberFormats.set(t.name, inferNumberFormat(sample.map((r) => r[idx] ?? ''), first.machineNumberFormat ?? VIETNAMESE_NUMBER_FORMAT));
      }
    }
    const setup: FeedSetup = {
      targets, sourceIndex: [...sourceIndex], numberFormats: [...numberFormats], codeLists: [...codeLists].map(([name, codes]) => [name, [...codes]]),
      keyColumns, validRowsOnly: req.validRowsOnly, reading: { overrides, ...(req.unpivot ? { unpivot: req.unpivot } : {}) },
    };
    // The steward's decisions hold for the next file of the same template (of the same organisation).
    if (req.overrides !== undefined && (first.format === 'csv' || first.format === 'xlsx')) {
      await this.store.saveTemplateOverrides(actor.orgId ?? '', fingerprint, req.overrides, actor.id);
    }

    // One pass: validate every row, stream the valid ones into the warehouse inside the transaction.
    // In all-or-nothing mode the first reject stops the feed but validation goes on to report every
    // problem, then the transaction is rolled back: the previous version is untouched. The rows are
    // checked and encoded in the worker when there is one.
    const previous = dataset.latestVersion ? await warehouse.rowCount(dataset.id, dataset.latestVersion) : null;
    const whColumns: WhColumn[] = dataset.columns.map((c) => ({ name: c.name, type: c.type }));
    const table = worker ? null : await this.open(upload, req.sheet, overrides, req.unpivot);
    let feed: LoadFeed | null = null;
    const encoded = (plan: EncoderPlan) => {
      feed = table ? feedInThread(table, setup, plan) : worker!.feed(setup, plan);
      return feed.chunks;
    };
    // Counts, rejects and quality of the rows read (none when the load stopped before reading any).
    let found: FeedResult = { rowsRead: 0, rowsRejected: 0, rejects: [], quality: new QualityAccumulator().tally() };
    const finish = () => {
      found = feed?.result() ?? found;
      return found;
    };
    const base = () => ({
      dataset_id: dataset.id, upload_id: upload.id, mode: req.mode, valid_rows_only: req.validRowsOnly, format: first.format,
      encoding: first.encoding, sheet: first.sheet, rows_read: found.rowsRead, rows_rejected: found.rowsRejected, mapping,
      created_by: actor.id, org_id: dataset.publisherOrgId, error: null,
    });
    // Totals are checked, not loaded: a total that is not the sum of its rows is a đúng problem.
    const structureFound = () => found.structure ?? emptyStructure();
    const problems = () => totalProblems(structureFound().totals.filter((t) => !t.ok));
    const summary = (run: RunRow, q: QualityScores): IngestSummary => ({
      runId: run.id, dataset: dataset.slug, datasetId: dataset.id, status: run.status === 'loaded' ? 'loaded' : 'rejected', version: run.version,
      rowsRead: found.rowsRead, rowsLoaded: run.rows_loaded, rowsRejected: found.rowsRejected, format: first.format, encoding: first.encoding, sheet: first.sheet,
      mapping, quality: q, rejects: found.rejects.slice(0, 20), error: (run.error as { vi: string; en: string } | null) ?? null,
      structure: reportOf(structureFound()), problems: problems(), overrides: remembered || req.overrides ? overrides : [],
    });

    let loadedRun: { run: RunRow; q: QualityScores } | null = null;
    try {
      loadedRun = await db.transaction(async (tx) => {
        await warehouse.ensureTable(tx, dataset.id, whColumns);
        const loaded = await warehouse.load(tx, {
          datasetId: dataset.id, columns: whColumns, keyColumns, mode: req.mode, encoded, createdBy: actor.id,
          source: { uploadId: upload.id, sha256: upload.sha256, filename: upload.filename, uploadedAt: new Date(upload.uploaded_at).toISOString() },
        });
        const { rowsRead, rowsRejected, rejects } = finish();
        const refuse = rowsRead === 0 || loaded.rowsLoaded === 0 || (rowsRejected > 0 && !req.validRowsOnly);
        if (refuse) throw new RefusedLoad();
        const q = QualityAccumulator.fromTally(withTotalChecks(found.quality, structureFound().totals)).result(previous, freshness(new Date(), dataset.updateFrequency).score);
        const s = this.store.with(tx);
        const r = await s.insertRun({ ...base(), status: 'loaded', version: loaded.version, rows_loaded: loaded.rowsLoaded, quality: { ...q.scores, details: q.details, problems: problems() } });
        await s.insertRejects(r.id, rejects);
        await catalog.noteVersion(tx, dataset.id, { version: loaded.version, loadedAt: new Date(), rows: loaded.rowCount, quality: q.scores });
        await events.publish(tx, 'dataset.version.published', {
          datasetId: dataset.id, slug: dataset.slug, version: loaded.version, rows: loaded.rowCount, quality: q.scores, runId: r.id, orgId: dataset.publisherOrgId,
        });
        return { run: r, q: q.scores };
      });
    } catch (e) {
      if (!(e instanceof RefusedLoad)) parseProblem(e);
    } finally {
      await table?.close();
    }
    if (loadedRun) return summary(loadedRun.run, loadedRun.q);

    // Refused: nothing was loaded; the run and its rejects are kept for the steward.
    // sống describes the dataset as it stands: a refused file does not make it fresher.
    const { rowsRead, rejects } = found;
    const q = QualityAccumulator.fromTally(withTotalChecks(found.quality, structureFound().totals)).result(previous, freshness(dataset.lastLoadedAt ? new Date(dataset.lastLoadedAt) : null, dataset.updateFrequency).score).scores;
    const run = await db.transaction(async (tx) => {
      const s = this.store.with(tx);
      const r = await s.insertRun({ ...base(), status: 'rejected', version: null, rows_loaded: 0, quality: { ...q, problems: problems() },
        error: rowsRead === 0 ? { vi: 'Tệp không có dòng dữ liệu nào', en: 'The file has no data rows' } : null });
      await s.insertRejects(r.id, rejects);
      return r;
    });
    return summary(run, q);
  }

  async getRun(actor: Principal, id: string): Promise<RunRow> {
    authorize(actor, 'data:read');
    const run = await this.store.getRun(id);
    if (!run || (run.org_id !== actor.orgId && actor.role !== 'admin' && actor.kind !== 'system')) throw notFound({ vi: 'Không có lần nạp này', en: 'No such run' });
    return run;
  }

  async listRuns(actor: Principal, dataset: string): Promise<RunRow[]> {
    const ds = await this.deps.catalog.getDataset(actor, dataset);
    authorize(actor, 'data:read', { orgId: ds.publisherOrgId });
    return this.store.listRuns(ds.id);
  }

  /**
   * Lineage of a dataset: each version ← the run that loaded it ← the upload (file name, SHA-256,
   * who, when). Versions loaded outside ingestion (none today) show without a run.
   */
  async lineage(actor: Principal, dataset: string) {
    const ds = await this.deps.catalog.getDataset(actor, dataset);
    authorize(actor, 'data:read', { orgId: ds.publisherOrgId });
    const versions = await this.deps.warehouse.versions(ds.id);
    const runs = new Map((await this.store.listRuns(ds.id, 10_000)).filter((r) => r.version !== null).map((r) => [r.version!, r]));
    const out = [];
    const names = await this.deps.displayNames(versions.map((v) => v.createdBy).filter((x): x is string => !!x));
    for (const v of versions.reverse()) {
      const run = runs.get(v.version);
      const upload = run ? await this.store.getUpload(run.upload_id) : null;
      out.push({
        version: v.version, mode: v.mode, createdAt: v.createdAt, createdBy: v.createdBy, createdByName: v.createdBy ? names.get(v.createdBy) ?? null : null, rowCount: v.rowCount, added: v.added, removed: v.removed,
        upload: upload ? { id: upload.id, filename: upload.filename, sha256: upload.sha256, size: Number(upload.size), uploadedAt: new Date(upload.uploaded_at).toISOString(), uploadedBy: upload.uploaded_by } : null,
        run: run ? { id: run.id, rowsRead: run.rows_read, rowsRejected: run.rows_rejected, encoding: run.encoding, format: run.format, quality: run.quality } : null,
      });
    }
    return out;
  }

  /**
   * Rejected rows of a run as CSV lines (with a BOM so Excel shows Vietnamese correctly), streamed in
   * pages. Checks access before returning, so that a refusal is an error response, not a cut stream.
   * Rejected values are the dataset's content: masked as its rows are (the reasons quote them too).
   * @throws AppError NOT_FOUND (no such run for the caller), as CatalogService.openContent.
   */
  async rejectsCsv(actor: Principal, runId: string): Promise<AsyncGenerator<string>> {
    const run = await this.getRun(actor, runId);
    const { dataset, masked } = await this.deps.catalog.openContent(actor, run.dataset_id);
    const maskedLabels = new Set(dataset.columns.filter((c) => masked.has(c.name)).map((c) => c.title || c.name));
    return this.rejectLines(runId, (column) => column !== null && (maskedLabels.has(column) || masked.has(column)));
  }

  private async *rejectLines(runId: string, isMasked: (column: string | null) => boolean): AsyncGenerator<string> {
    yield CSV_BOM + csvRow(['dong', 'cot', 'gia_tri', 'ly_do', 'reason']);
    let after = 0;
    for (;;) {
      const page = await this.store.rejects(runId, after, 1000);
      for (const r of page) {
        const hide = !!r.value && isMasked(r.column_name);
        const shown = hide ? String(maskPersonal(r.value)) : r.value;
        const reason = (text: string) => (hide ? text.replaceAll(r.value!, shown!) : text);
        yield csvRow([r.line, r.column_name, shown, reason(r.reason_vi), reason(r.reason_en)]);
      }
      if (page.length < 1000) return;
      after = page[page.length - 1]!.seq;
    }
  }
}

/**
 * The inferred columns with those fed by `keys` (file headers) made the key: required too, as the
 * catalogue wants of key columns. Headers are matched as the column mapping matches them, without
 * regard to diacritics, case or punctuation (`--key "ma xa"` names "Mã xã").
 * @throws AppError VALIDATION_FAILED for a header the file lacks.
 */
function withKeys(columns: ColumnSpec[], keys: readonly string[] | undefined): ColumnSpec[] {
  if (!keys?.length) return columns;
  const wanted = new Set(keys.map(key));
  for (const k of keys) {
    if (!columns.some((c) => key(c.title) === key(k))) {
      throw invalid({ vi: `Cột khóa “${k}” không có trong tệp`, en: `Key column "${k}" is not in the file` }, [{ field: 'keys', message: 'unknown header' }]);
    }
  }
  return columns.map((c) => (wanted.has(key(c.title)) ? { ...c, key: true, required: true } : c));
}

/** Whether `keys` (file headers, matched as {@link withKeys} matches them) name exactly the key columns the schema has. */
function sameKeys(columns: readonly ColumnSpec[], keys: readonly string[]): boolean {
  const have = new Set(columns.filter((c) => c.key).map((c) => key(c.title)));
  const asked = new Set(keys.map(key));
  return have.size === asked.size && [...asked].every((k) => have.has(k));
}
