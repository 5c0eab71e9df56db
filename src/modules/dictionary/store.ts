import type { Queryable } from '../../core/db/index.js';
import { conflict, invalid } from '../../core/errors.js';
import type { CodeList, CodeListItem, DataElement, ElementHistoryEntry, ElementStatus, ValidationRules } from './model.js';

interface ElementRow {
  code: string; name: string; name_en: string | null; definition: string | null; type: DataElement['type']; unit: string | null;
  code_list: string | null; rules: ValidationRules | null; personal_data: DataElement['personalData']; owner_org_id: string | null;
  origin: DataElement['origin']; aliases: string[] | null; status: ElementStatus; version: number; created_at: Date; updated_at: Date;
}

const ELEMENT_COLUMNS = 'code, name, name_en, definition, type, unit, code_list, rules, personal_data, owner_org_id, origin, aliases, status, version, created_at, updated_at';

const toElement = (r: ElementRow): DataElement => ({
  code: r.code, nameVi: r.name, nameEn: r.name_en, definition: r.definition, type: r.type, unit: r.unit, codeList: r.code_list,
  rules: r.rules ?? {}, personalData: r.personal_data, ownerOrgId: r.owner_org_id, origin: r.origin, aliases: r.aliases ?? [],
  status: r.status, version: Number(r.version), createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});

/** The writable content of an element (everything but workflow and bookkeeping). */
export type ElementContent = Omit<DataElement, 'status' | 'version' | 'createdAt' | 'updatedAt'>;

/** Translates constraint violations into domain errors, in one place. */
async function translate<T>(p: Promise<T>, what: { vi: string; en: string }): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '23505') throw conflict(what);
    if (code === '23503') throw invalid({ vi: 'Danh mục hoặc cơ quan được tham chiếu không tồn tại', en: 'The referenced code list or organisation does not exist' });
    if (code === '23514') throw invalid({ vi: 'Giá trị không hợp lệ theo ràng buộc của từ điển', en: 'A value violates a dictionary constraint' });
    throw e;
  }
}

export interface ElementFilter {
  statuses?: readonly ElementStatus[];
  q?: string;
  codeList?: string;
  limit?: number;
  offset?: number;
}

/** SQL of the dictionary module. Only this file talks to its tables. */
export class DictionaryStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): DictionaryStore {
    return new DictionaryStore(q);
  }

  // ---- elements ------------------------------------------------------------------------------

  async listElements(f: ElementFilter = {}): Promise<DataElement[]> {
    const r = await this.db.query<ElementRow>(
      `SELECT ${ELEMENT_COLUMNS} FROM dict_elements
       WHERE ($1::text[] IS NULL OR status = ANY($1::text[]))
         AND ($2::text IS NULL OR code_list = $2)
         AND ($3::text IS NULL OR provdata_fold(name || ' ' || coalesce(name_en, '') || ' ' || code) LIKE '%' || provdata_fold($3) || '%'
              OR EXISTS (SELECT 1 FROM unnest(aliases) a WHERE provdata_fold(a) LIKE '%' || provdata_fold($3) || '%'))
       ORDER BY code LIMIT $4 OFFSET $5`,
      [f.statuses ? [...f.statuses] : null, f.codeList ?? null, f.q ?? null, f.limit ?? 10_000, f.offset ?? 0],
    );
    return r.rows.map(toElement);
  }

  async getElement(code: string): Promise<DataElement | null> {
    const r = await this.db.query<ElementRow>(`SELECT ${ELEMENT_COLUMNS} FROM dict_elements WHERE code = $1`, [code]);
    return r.rows[0] ? toElement(r.rows[0]) : null;
  }

  /** Locks the element row for a read-modify-write inside a transaction. */
  async getElementForUpdate(code: string): Promise<DataElement | null> {
    const r = await this.db.query<ElementRow>(`SELECT ${ELEMENT_COLUMNS} FROM dict_elements WHERE code = $1 FOR UPDATE`, [code]);
    return r.rows[0] ? toElement(r.rows[0]) : null;
  }

  async getElements(codes: readonly string[]): Promise<DataElement[]> {
    if (!codes.length) return [];
    const r = await this.db.query<ElementRow>(`SELECT ${ELEMENT_COLUMNS} FROM dict_elements WHERE code = ANY($1::text[]) ORDER BY code`, [[...codes]]);
    return r.rows.map(toElement);
  }

  /** Inserts an element; false when the code exists and `ifAbsent` was asked. */
  async insertElement(e: ElementContent, status: ElementStatus, createdBy: string | null, ifAbsent = false): Promise<boolean> {
    const r = await translate(
      this.db.query(
        `INSERT INTO dict_elements (code, name, name_en, definition, type, unit, code_list, rules, personal_data, owner_org_id, origin, aliases, status, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12::text[], $13, $14)
         ${ifAbsent ? 'ON CONFLICT (code) DO NOTHING' : ''}`,
        [e.code, e.nameVi, e.nameEn, e.definition, e.type, e.unit, e.codeList, JSON.stringify(e.rules), e.personalData, e.ownerOrgId, e.origin,
          e.aliases, status, createdBy],
      ),
      { vi: `Mã phần tử dữ liệu ${e.code} đã tồn tại`, en: `Data element ${e.code} exists` },
    );
    return r.rowCount > 0;
  }

  async updateElement(e: ElementContent, status: ElementStatus, version: number): Promise<void> {
    await translate(
      this.db.query(
        `UPDATE dict_elements SET name = $2, name_en = $3, definition = $4, type = $5, unit = $6, code_list = $7, rules = $8::jsonb,
           personal_data = $9, owner_org_id = $10, origin = $11, aliases = $12::text[], status = $13, version = $14, updated_at = now()
         WHERE code = $1`,
        [e.code, e.nameVi, e.nameEn, e.definition, e.type, e.unit, e.codeList, JSON.stringify(e.rules), e.personalData, e.ownerOrgId, e.origin,
          e.aliases, status, version],
      ),
      { vi: `Không cập nhật được phần tử ${e.code}`, en: `Could not update element ${e.code}` },
    );
  }

  async setStatus(code: string, status: ElementStatus): Promise<void> {
    await this.db.query('UPDATE dict_elements SET status = $2, updated_at = now() WHERE code = $1', [code, status]);
  }

  async appendHistory(h: Omit<ElementHistoryEntry, 'id' | 'at'>): Promise<void> {
    await this.db.query(
      `INSERT INTO dict_element_history (element_code, actor_id, actor, action, from_status, to_status, version, changes, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
      [h.elementCode, h.actorId, h.actor, h.action, h.fromStatus, h.toStatus, h.version, JSON.stringify(h.changes), h.note],
    );
  }

  async history(code: string): Promise<ElementHistoryEntry[]> {
    const r = await this.db.query<{
      id: string | number; element_code: string; at: Date; actor_id: string | null; actor: string | null; action: ElementHistoryEntry['action'];
      from_status: ElementStatus | null; to_status: ElementStatus; version: number; changes: Record<string, unknown>; note: string | null;
    }>('SELECT * FROM dict_element_history WHERE element_code = $1 ORDER BY id', [code]);
    return r.rows.map((h) => ({
      id: Number(h.id), elementCode: h.element_code, at: new Date(h.at), actorId: h.actor_id, actor: h.actor, action: h.action,
      fromStatus: h.from_status, toStatus: h.to_status, version: Number(h.version), changes: h.changes ?? {}, note: h.note,
    }));
  }

  // ---- code lists ----------------------------------------------------------------------------

  async listCodeLists(): Promise<CodeList[]> {
    const r = await this.db.query<CodeListRow>(
      `SELECT l.*, (SELECT count(*) FROM dict_code_list_items i WHERE i.list_code = l.code)::int4 AS items FROM dict_code_lists l ORDER BY l.code`,
    );
    return r.rows.map(toCodeList);
  }

  async getCodeList(code: string): Promise<CodeList | null> {
    const r = await this.db.query<CodeListRow>(
      `SELECT l.*, (SELECT count(*) FROM dict_code_list_items i WHERE i.list_code = l.code)::int4 AS items FROM dict_code_lists l WHERE l.code = $1`,
      [code],
    );
    return r.rows[0] ? toCodeList(r.rows[0]) : null;
  }

  async items(code: string): Promise<CodeListItem[]> {
    const r = await this.db.query<{ code: string; label: string; label_en: string | null }>(
      'SELECT code, label, label_en FROM dict_code_list_items WHERE list_code = $1 ORDER BY sort, code',
      [code],
    );
    return r.rows.map((i) => ({ code: i.code, label: i.label, labelEn: i.label_en }));
  }

  async itemCodes(code: string): Promise<string[]> {
    const r = await this.db.query<{ code: string }>('SELECT code FROM dict_code_list_items WHERE list_code = $1', [code]);
    return r.rows.map((x) => x.code);
  }

  async upsertCodeList(l: Omit<CodeList, 'items' | 'updatedAt'>, ifAbsent = false): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO dict_code_lists (code, name, name_en, description, origin, source) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (code) DO ${ifAbsent ? 'NOTHING' : `UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en, description = EXCLUDED.description,
         origin = EXCLUDED.origin, source = EXCLUDED.source, updated_at = now()`}`,
      [l.code, l.name, l.nameEn, l.description, l.origin, l.source],
    );
    return r.rowCount > 0;
  }

  /** Replaces the items of a list (all of them, in the given order). */
  async replaceItems(list: string, items: readonly CodeListItem[]): Promise<void> {
    await this.db.query('DELETE FROM dict_code_list_items WHERE list_code = $1', [list]);
    await this.addItems(list, items);
  }

  /** Adds items that are not there yet; existing codes keep their labels. */
  async addItems(list: string, items: readonly CodeListItem[]): Promise<void> {
    if (!items.length) return;
    await translate(
      this.db.query(
        `INSERT INTO dict_code_list_items (list_code, code, label, label_en, sort)
         SELECT $1, c, l, le, s FROM unnest($2::text[], $3::text[], $4::text[], $5::int4[]) AS t (c, l, le, s)
         ON CONFLICT (list_code, code) DO NOTHING`,
        [list, items.map((i) => i.code), items.map((i) => i.label), items.map((i) => i.labelEn), items.map((_i, n) => n)],
      ),
      { vi: 'Mã trong danh mục bị trùng', en: 'Duplicate code in the list' },
    );
  }
}

interface CodeListRow {
  code: string; name: string; name_en: string | null; description: string | null; origin: CodeList['origin']; source: string | null;
  items: number; updated_at: Date;
}
const toCodeList = (r: CodeListRow): CodeList => ({
  code: r.code, name: r.name, nameEn: r.name_en, description: r.description, origin: r.origin, source: r.source, items: Number(r.items),
  updatedAt: new Date(r.updated_at),
});
