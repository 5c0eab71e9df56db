import type { Static } from 'typebox';
import type { ValidationRulesSchema } from './schema.js';

export const ELEMENT_TYPES = ['text', 'integer', 'number', 'date', 'boolean', 'geometry'] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

/** Workflow of an element: a steward drafts, a steward reviews, an administrator approves. */
export const ELEMENT_STATUSES = ['draft', 'reviewed', 'approved', 'deprecated'] as const;
export type ElementStatus = (typeof ELEMENT_STATUSES)[number];

/** Personal-data class of Decree 13/2023/NĐ-CP (Art. 2): none, basic (cơ bản) or sensitive (nhạy cảm). */
export const PERSONAL_DATA_CLASSES = ['none', 'basic', 'sensitive'] as const;
export type PersonalDataClass = (typeof PERSONAL_DATA_CLASSES)[number];

/** Inherited from the national shared dictionary, or defined by the province. */
export const ORIGINS = ['national', 'provincial'] as const;
export type Origin = (typeof ORIGINS)[number];

/** Validation rules a value of the element must pass (checked by ingestion, row by row). */
export type ValidationRules = Static<typeof ValidationRulesSchema>;

/** A data element (phần tử dữ liệu) of the dictionary, as every module sees it. */
export interface DataElement {
  code: string;
  /** Vietnamese name (tên tiếng Việt). */
  nameVi: string;
  nameEn: string | null;
  definition: string | null;
  type: ElementType;
  unit: string | null;
  codeList: string | null;
  rules: ValidationRules;
  personalData: PersonalDataClass;
  ownerOrgId: string | null;
  origin: Origin;
  aliases: string[];
  status: ElementStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A code list (danh mục) such as the communes, ethnic groups or economic sectors. */
export interface CodeList {
  code: string;
  name: string;
  nameEn: string | null;
  description: string | null;
  origin: Origin;
  source: string | null;
  items: number;
  updatedAt: Date;
}

export interface CodeListItem {
  code: string;
  label: string;
  labelEn: string | null;
}

/** One row of an element's history: who did what, when, and what changed. */
export interface ElementHistoryEntry {
  id: number;
  elementCode: string;
  at: Date;
  actorId: string | null;
  actor: string | null;
  action: 'create' | 'update' | 'review' | 'approve' | 'deprecate' | 'import' | 'seed';
  fromStatus: ElementStatus | null;
  toStatus: ElementStatus;
  version: number;
  changes: Record<string, unknown>;
  note: string | null;
}
