import type { Db } from '../../core/db/index.js';
import { authorize, can, type Principal } from '../../core/auth/index.js';
import { AppError, conflict, invalid, notFound, type FieldProblem } from '../../core/errors.js';
import { ALIAS_SEPARATOR, fromCsv, toCsv, type CsvColumn } from './csv.js';
import { foldKey, headerKeys } from './fold.js';
import {
  ELEMENT_TYPES, ORIGINS, PERSONAL_DATA_CLASSES,
  type CodeList, type CodeListItem, type DataElement, type ElementHistoryEntry, type ElementStatus, type ElementType, type Origin,
  type PersonalDataClass, type ValidationRules,
} from './model.js';
import { parseRules, ruleProblems } from './rules.js';
import { CODE_LISTS, ELEMENTS, ETHNIC_GROUPS, GENDERS, SECTORS } from './seed-data.js';
import { DictionaryStore, type ElementContent, type ElementFilter } from './store.js';

/** What the dictionary needs from the rest of the platform, given at composition. */
export interface DictionaryDeps {
  /** True when an organisation with this id exists (org module). */
  orgExists(id: string): Promise<boolean>;
}

/** A commune as the dictionary needs it for the `communes` code list (geo module). */
export interface CommuneItem {
  code: string;
  name: string;
  nameEn: string;
}

export interface ElementInput {
  code: string;
  nameVi: string;
  nameEn?: string | null;
  definition?: string | null;
  type: ElementType;
  unit?: string | null;
  codeList?: string | null;
  rules?: ValidationRules;
  personalData?: PersonalDataClass;
  ownerOrgId?: string | null;
  origin?: Origin;
  aliases?: string[];
}
export type ElementPatch = Partial<Omit<ElementInput, 'code'>>;

export interface ImportReport {
  created: number;
  updated: number;
  errors: { line: number; column: string | null; message: string }[];
}

const nfc = (s: string | null | undefined): string | null => (s === undefined || s === null || s.trim() === '' ? null : s.normalize('NFC').trim());
const actorName = (p: Principal) => p.username ?? p.kind;

/** Which transitions the workflow allows, and the permission each needs. */
const TRANSITIONS = {
  review: { from: ['draft'], to: 'reviewed', permission: 'dictionary:write' },
  approve: { from: ['reviewed'], to: 'approved', permission: 'dictionary:approve' },
  deprecate: { from: ['draft', 'reviewed', 'approved'], to: 'deprecated', permission: 'dictionary:approve' },
} as const satisfies Record<string, { from: readonly ElementStatus[]; to: ElementStatus; permission: 'dictionary:write' | 'dictionary:approve' }>;
export type Transition = keyof typeof TRANSITIONS;

const STATUS_VI: Record<ElementStatus, string> = { draft: 'bản nháp', reviewed: 'đã rà soát', approved: 'đã phê duyệt', deprecated: 'ngừng sử dụng' };

/**
 * The data dictionary (Từ điển dữ liệu): data elements, code lists and their workflow. Reads are
 * public reference metadata; writes take the acting principal first and check it.
 */
export class DictionaryService {
  private readonly store: DictionaryStore;

  constructor(private readonly db: Db, private readonly deps: DictionaryDeps) {
    this.store = new DictionaryStore(db);
  }

  // ---- reads ---------------------------------------------------------------------------------

  listElements(filter: ElementFilter = {}): Promise<DataElement[]> {
    return this.store.listElements(filter);
  }

  /** @throws AppError NOT_FOUND */
  async getElement(code: string): Promise<DataElement> {
    const e = await this.store.getElement(code);
    if (!e) throw notFound({ vi: `Không có phần tử dữ liệu ${code}`, en: `No data element ${code}` });
    return e;
  }

  /** The elements with these codes, whatever their status (unknown codes are left out). */
  getElements(codes: string[]): Promise<DataElement[]> {
    return this.store.getElements([...new Set(codes)]);
  }

  /**
   * {@link matchHeaders} for a caller of the public match route: approved elements for anyone; drafts
   * and reviewed elements (`includeUnapproved`) only for those who write the dictionary, since an
   * element under review is not yet reference metadata the province stands behind.
   * @throws AppError UNAUTHENTICATED, FORBIDDEN (includeUnapproved without `dictionary:write`)
   */
  async matchHeadersFor(actor: Principal, headers: string[], opts: { includeUnapproved?: boolean } = {}): Promise<Map<string, DataElement>> {
    if (opts.includeUnapproved) authorize(actor, 'dictionary:write');
    return this.matchHeaders(headers, opts);
  }

  /**
   * Matches file headers to dictionary elements by code, Vietnamese name, English name or alias,
   * ignoring diacritics, case, spaces, underscores and punctuation; a bracketed remark is ignored
   * when the whole header does not match ("Ma Xa (code)" → ma_xa). Only approved elements take
   * part unless `includeUnapproved` is set. Headers without a match are absent from the map.
   */
  async matchHeaders(headers: string[], opts: { includeUnapproved?: boolean } = {}): Promise<Map<string, DataElement>> {
    const statuses: ElementStatus[] = opts.includeUnapproved ? ['approved', 'reviewed', 'draft'] : ['approved'];
    const elements = await this.store.listElements({ statuses });
    // Rank: code 0, Vietnamese name 1, English name 2, alias 3; approved before the others.
    const index = new Map<string, { e: DataElement; rank: number }>();
    const put = (key: string, e: DataElement, rank: number) => {
      if (!key) return;
      const score = rank + (e.status === 'approved' ? 0 : 10);
      const cur = index.get(key);
      if (!cur || score < cur.rank) index.set(key, { e, rank: score });
    };
    for (const e of elements) {
      put(foldKey(e.code), e, 0);
      put(foldKey(e.nameVi), e, 1);
      if (e.nameEn) put(foldKey(e.nameEn), e, 2);
      for (const a of e.aliases) put(foldKey(a), e, 3);
    }
    // A shortened key shared by several headers names a group, not one column: "Dân số - Nam" and
    // "Dân số - Nữ" (a merged two-row header) both shorten to "danso", and neither is the total
    // population. Such keys bind nothing; the steward maps those columns by hand.
    const shortened = new Map<string, number>();
    for (const h of headers) {
      const [whole, ...rest] = headerKeys(h);
      for (const k of new Set(rest)) if (k !== whole) shortened.set(k, (shortened.get(k) ?? 0) + 1);
    }
    const out = new Map<string, DataElement>();
    for (const h of headers) {
      for (const [i, key] of headerKeys(h).entries()) {
        if (i > 0 && (shortened.get(key) ?? 0) > 1) continue;
        const hit = index.get(key);
        if (hit) {
          out.set(h, hit.e);
          break;
        }
      }
    }
    return out;
  }

  listCodeLists(): Promise<CodeList[]> {
    return this.store.listCodeLists();
  }

  /** @throws AppError NOT_FOUND */
  async getCodeList(code: string): Promise<{ list: CodeList; items: CodeListItem[] }> {
    const list = await this.store.getCodeList(code);
    if (!list) throw notFound({ vi: `Không có danh mục ${code}`, en: `No code list ${code}` });
    return { list, items: await this.store.items(code) };
  }

  /** A code list's names and size, without its items. @throws AppError NOT_FOUND for an unknown list. */
  async describeCodeList(code: string): Promise<CodeList> {
    const list = await this.store.getCodeList(code);
    if (!list) throw notFound({ vi: `Không có danh mục ${code}`, en: `No code list ${code}` });
    return list;
  }

  /** The codes of a code list, for membership checks. @throws AppError NOT_FOUND for an unknown list. */
  async codeListValues(listCode: string): Promise<Set<string>> {
    if (!(await this.store.getCodeList(listCode))) throw notFound({ vi: `Không có danh mục ${listCode}`, en: `No code list ${listCode}` });
    return new Set(await this.store.itemCodes(listCode));
  }

  /** History of an element, oldest first. Names who changed it, so it needs a logged-in caller. */
  async history(actor: Principal, code: string): Promise<ElementHistoryEntry[]> {
    if (actor.kind === 'anonymous') throw new AppError('UNAUTHENTICATED');
    await this.getElement(code);
    return this.store.history(code);
  }

  // ---- writes --------------------------------------------------------------------------------

  /**
   * Drafts a new element. A steward drafts for their own agency; the owner defaults to it.
   * @throws AppError FORBIDDEN, VALIDATION_FAILED, CONFLICT (code taken)
   */
  async createElement(actor: Principal, input: ElementInput): Promise<DataElement> {
    const content = this.content(input, actor);
    authorize(actor, 'dictionary:write', { orgId: content.ownerOrgId });
    await this.check(content);
    return this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      await store.insertElement(content, 'draft', actor.id);
      await store.appendHistory({
        elementCode: content.code, actorId: actor.id, actor: actorName(actor), action: 'create', fromStatus: null, toStatus: 'draft', version: 1,
        changes: { ...content }, note: null,
      });
      return (await store.getElement(content.code))!;
    });
  }

  /**
   * Changes an element's content. Drafts and reviewed elements go (back) to draft; an approved
   * element may be corrected only by someone who can approve, and stays approved with a new version.
   * @throws AppError NOT_FOUND, FORBIDDEN, VALIDATION_FAILED, CONFLICT (deprecated)
   */
  async updateElement(actor: Principal, code: string, patch: ElementPatch): Promise<DataElement> {
    // Checked outside the transaction (the checks read other tables through other services), then
    // applied under a row lock only if nobody changed the element in between.
    const cur = await this.getElement(code);
    authorize(actor, 'dictionary:write', { orgId: cur.ownerOrgId });
    if (cur.status === 'deprecated') {
      throw conflict({ vi: `Phần tử ${code} đã ngừng sử dụng, không sửa được`, en: `Element ${code} is deprecated` });
    }
    if (cur.status === 'approved') authorize(actor, 'dictionary:approve');
    const next = this.content({ ...cur, ...patch, code }, actor);
    if (patch.ownerOrgId !== undefined) authorize(actor, 'dictionary:write', { orgId: next.ownerOrgId });
    await this.check(next);
    const changes = diff(cur, next);
    if (!Object.keys(changes).length) return cur;
    const status: ElementStatus = cur.status === 'approved' ? 'approved' : 'draft';
    return this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const locked = await store.getElementForUpdate(code);
      if (!locked || locked.version !== cur.version || locked.status !== cur.status) {
        throw conflict({ vi: `Phần tử ${code} vừa được người khác thay đổi, vui lòng tải lại`, en: `Element ${code} changed meanwhile; reload and retry` });
      }
      await store.updateElement(next, status, cur.version + 1);
      await store.appendHistory({
        elementCode: code, actorId: actor.id, actor: actorName(actor), action: 'update', fromStatus: cur.status, toStatus: status,
        version: cur.version + 1, changes, note: null,
      });
      return (await store.getElement(code))!;
    });
  }

  /**
   * Moves an element through the workflow: review (draft → reviewed, stewards of the owning agency),
   * approve (reviewed → approved, administrators), deprecate (→ deprecated, administrators).
   * @throws AppError NOT_FOUND, FORBIDDEN, CONFLICT (transition not allowed from the current status)
   */
  async transition(actor: Principal, code: string, action: Transition, note?: string): Promise<DataElement> {
    const t = TRANSITIONS[action];
    return this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const cur = await store.getElementForUpdate(code);
      if (!cur) throw notFound({ vi: `Không có phần tử dữ liệu ${code}`, en: `No data element ${code}` });
      authorize(actor, t.permission, { orgId: t.permission === 'dictionary:write' ? cur.ownerOrgId : null });
      if (!(t.from as readonly ElementStatus[]).includes(cur.status)) {
        throw conflict({
          vi: `Không thể chuyển phần tử ${code} từ trạng thái “${STATUS_VI[cur.status]}” sang “${STATUS_VI[t.to]}”`,
          en: `Element ${code} cannot go from ${cur.status} to ${t.to}`,
        });
      }
      await store.setStatus(code, t.to);
      await store.appendHistory({
        elementCode: code, actorId: actor.id, actor: actorName(actor), action, fromStatus: cur.status, toStatus: t.to, version: cur.version,
        changes: { status: { from: cur.status, to: t.to } }, note: nfc(note),
      });
      return (await store.getElement(code))!;
    });
  }

  /**
   * Creates or replaces a code list and all its items. Code lists validate data at once, so only
   * those who approve dictionary content may change them. @throws AppError FORBIDDEN, VALIDATION_FAILED
   */
  async putCodeList(actor: Principal, code: string, l: { name: string; nameEn?: string | null; description?: string | null; origin?: Origin; source?: string | null; items: { code: string; label: string; labelEn?: string | null }[] }) {
    authorize(actor, 'dictionary:approve');
    const seen = new Set<string>();
    const dupes = l.items.filter((i) => seen.size === seen.add(i.code.trim()).size).map((i) => i.code);
    if (dupes.length) throw invalid({ vi: `Mã bị trùng trong danh mục: ${dupes.slice(0, 10).join(', ')}`, en: `Duplicate codes: ${dupes.slice(0, 10).join(', ')}` });
    await this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      await store.upsertCodeList({ code, name: l.name.normalize('NFC').trim(), nameEn: nfc(l.nameEn), description: nfc(l.description), origin: l.origin ?? 'provincial', source: nfc(l.source) });
      await store.replaceItems(code, l.items.map((i) => ({ code: i.code.trim(), label: i.label.normalize('NFC').trim(), labelEn: nfc(i.labelEn) })));
    });
    return this.getCodeList(code);
  }

  // ---- CSV -----------------------------------------------------------------------------------

  /** All elements (or those of one status) as CSV, UTF-8 with BOM, formula-like cells neutralised. */
  async exportCsv(status?: ElementStatus): Promise<string> {
    const elements = await this.store.listElements(status ? { statuses: [status] } : {});
    return toCsv(elements.map((e) => ({
      code: e.code, name: e.nameVi, name_en: e.nameEn, definition: e.definition, type: e.type, unit: e.unit, code_list: e.codeList,
      rules: Object.keys(e.rules).length ? JSON.stringify(e.rules) : null, personal_data: e.personalData, origin: e.origin,
      owner_org_id: e.ownerOrgId, aliases: e.aliases.join(ALIAS_SEPARATOR), status: e.status,
    })));
  }

  /**
   * Imports elements from CSV as drafts (the `status` column is ignored: imported content is
   * reviewed like any other). A new code creates a draft; an existing draft of the caller's agency
   * is updated; any other existing code is refused for that line. Lines with problems are reported
   * with their line number and a Vietnamese reason; the valid lines are imported together.
   * @throws AppError FORBIDDEN, VALIDATION_FAILED (not CSV, wrong header)
   */
  async importCsv(actor: Principal, text: string): Promise<ImportReport> {
    authorize(actor, 'dictionary:write');
    let records;
    try {
      records = fromCsv(text);
    } catch (e) {
      throw invalid({ vi: (e as Error).message, en: 'The CSV file could not be read' });
    }
    const report: ImportReport = { created: 0, updated: 0, errors: [] };
    const lists = new Set((await this.store.listCodeLists()).map((l) => l.code));
    const orgs = new Map<string, boolean>();
    const seen = new Set<string>();
    const valid: { line: number; content: ElementContent }[] = [];
    for (const { line, values } of records) {
      const err = (column: CsvColumn | null, message: string) => report.errors.push({ line, column, message: `Dòng ${line}${column ? `, cột ${column}` : ''}: ${message}` });
      const before = report.errors.length;
      const code = values.code ?? '';
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(code)) err('code', `mã “${code.slice(0, 70)}” không hợp lệ (chữ thường không dấu, số, gạch dưới; bắt đầu bằng chữ)`);
      else if (seen.has(code)) err('code', `mã ${code} xuất hiện nhiều lần trong tệp`);
      seen.add(code);
      if (!values.name) err('name', 'thiếu tên tiếng Việt');
      const type = values.type as ElementType;
      if (!(ELEMENT_TYPES as readonly string[]).includes(type)) err('type', `kiểu “${values.type ?? ''}” không hợp lệ (${ELEMENT_TYPES.join(', ')})`);
      const personal = (values.personal_data || 'none') as PersonalDataClass;
      if (!(PERSONAL_DATA_CLASSES as readonly string[]).includes(personal)) err('personal_data', `phân loại dữ liệu cá nhân “${personal}” không hợp lệ (none, basic, sensitive)`);
      const origin = (values.origin || 'provincial') as Origin;
      if (!(ORIGINS as readonly string[]).includes(origin)) err('origin', `nguồn gốc “${origin}” không hợp lệ (national, provincial)`);
      const codeList = values.code_list || null;
      if (codeList && !lists.has(codeList)) err('code_list', `danh mục “${codeList}” không tồn tại`);
      const parsed = parseRules(values.rules ?? '');
      if ('error' in parsed) err('rules', parsed.error);
      const ownerOrgId = values.owner_org_id || actor.orgId;
      if (ownerOrgId && ownerOrgId !== actor.orgId && !can(actor, 'dictionary:approve')) {
        err('owner_org_id', `bạn chỉ được nhập phần tử của cơ quan mình (${actor.orgId ?? '—'})`);
      } else if (ownerOrgId) {
        if (!orgs.has(ownerOrgId)) orgs.set(ownerOrgId, await this.deps.orgExists(ownerOrgId));
        if (!orgs.get(ownerOrgId)) err('owner_org_id', `cơ quan “${ownerOrgId}” không tồn tại`);
      }
      if (report.errors.length > before || 'error' in parsed) continue;
      const content = this.content({
        code, nameVi: values.name!, nameEn: values.name_en, definition: values.definition, type, unit: values.unit, codeList, rules: parsed.rules,
        personalData: personal, ownerOrgId, origin, aliases: (values.aliases ?? '').split('|').map((a) => a.trim()).filter(Boolean),
      }, actor);
      const problems = ruleProblems(content.rules, content.type);
      for (const p of problems) err('rules', p.message);
      if (!problems.length) valid.push({ line, content });
    }
    await this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      for (const { line, content } of valid) {
        const cur = await store.getElementForUpdate(content.code);
        if (!cur) {
          await store.insertElement(content, 'draft', actor.id);
          await store.appendHistory({ elementCode: content.code, actorId: actor.id, actor: actorName(actor), action: 'import', fromStatus: null, toStatus: 'draft', version: 1, changes: { ...content }, note: null });
          report.created++;
        } else if (cur.status !== 'draft' || (cur.ownerOrgId !== actor.orgId && !can(actor, 'dictionary:approve'))) {
          report.errors.push({
            line, column: 'code',
            message: `Dòng ${line}, cột code: phần tử ${content.code} đã tồn tại (${STATUS_VI[cur.status]}${cur.ownerOrgId ? `, thuộc ${cur.ownerOrgId}` : ''}); chỉ cập nhật được bản nháp của cơ quan mình`,
          });
        } else {
          const changes = diff(cur, content);
          if (!Object.keys(changes).length) continue;
          await store.updateElement(content, 'draft', cur.version + 1);
          await store.appendHistory({ elementCode: content.code, actorId: actor.id, actor: actorName(actor), action: 'import', fromStatus: cur.status, toStatus: 'draft', version: cur.version + 1, changes, note: null });
          report.updated++;
        }
      }
    });
    report.errors.sort((a, b) => a.line - b.line);
    return report;
  }

  // ---- seeding -------------------------------------------------------------------------------

  /**
   * First-run seed: the code lists (communes from the geo module, ethnic groups, sectors, gender)
   * and the common approved elements. Idempotent: existing lists, items and elements are kept as
   * they are (a steward's later edits win).
   */
  async seed(communes: readonly CommuneItem[]): Promise<{ codeLists: number; elements: number }> {
    const items: Record<string, CodeListItem[]> = {
      communes: [...communes].sort((a, b) => a.code.localeCompare(b.code)).map((c) => ({ code: c.code, label: c.name.normalize('NFC'), labelEn: c.nameEn })),
      'ethnic-groups': ETHNIC_GROUPS,
      sectors: SECTORS,
      gender: GENDERS,
    };
    return this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      for (const l of CODE_LISTS) {
        await store.upsertCodeList({ ...l }, true);
        await store.addItems(l.code, items[l.code] ?? []);
      }
      let created = 0;
      for (const e of ELEMENTS) {
        if (await store.insertElement(e, 'approved', null, true)) {
          created++;
          await store.appendHistory({ elementCode: e.code, actorId: null, actor: 'system', action: 'seed', fromStatus: null, toStatus: 'approved', version: 1, changes: { ...e }, note: 'Khởi tạo từ điển dữ liệu dùng chung' });
        }
      }
      return { codeLists: CODE_LISTS.length, elements: created };
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Normalises input into element content (NFC, trimmed, defaults). */
  private content(i: ElementInput, actor: Principal): ElementContent {
    return {
      code: i.code,
      nameVi: i.nameVi.normalize('NFC').trim(),
      nameEn: nfc(i.nameEn),
      definition: nfc(i.definition),
      type: i.type,
      unit: nfc(i.unit),
      codeList: nfc(i.codeList),
      rules: i.rules ?? {},
      personalData: i.personalData ?? 'none',
      ownerOrgId: i.ownerOrgId === undefined ? actor.orgId : nfc(i.ownerOrgId),
      origin: i.origin ?? 'provincial',
      aliases: [...new Set((i.aliases ?? []).map((a) => a.normalize('NFC').trim()).filter(Boolean))],
    };
  }

  /** Checks rules, the code list and the owner. @throws AppError VALIDATION_FAILED */
  private async check(c: ElementContent): Promise<void> {
    const problems: FieldProblem[] = ruleProblems(c.rules, c.type);
    if (c.codeList && !(await this.store.getCodeList(c.codeList))) problems.push({ field: 'codeList', message: `Danh mục “${c.codeList}” không tồn tại` });
    if (c.ownerOrgId && !(await this.deps.orgExists(c.ownerOrgId))) problems.push({ field: 'ownerOrgId', message: `Cơ quan “${c.ownerOrgId}” không tồn tại` });
    if (problems.length) {
      throw invalid({ vi: problems.map((p) => p.message).join('; '), en: 'The data element is not valid' }, problems);
    }
  }
}

const CONTENT_FIELDS = ['nameVi', 'nameEn', 'definition', 'type', 'unit', 'codeList', 'rules', 'personalData', 'ownerOrgId', 'origin', 'aliases'] as const;

/** Field-by-field changes between two versions of an element, for the history. */
function diff(a: ElementContent, b: ElementContent): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const f of CONTENT_FIELDS) {
    if (stable(a[f]) !== stable(b[f])) out[f] = { from: a[f], to: b[f] };
  }
  return out;
}


/** JSON with object keys sorted, so that jsonb's key order does not look like a change. */
function stable(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
