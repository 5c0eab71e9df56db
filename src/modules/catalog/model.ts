import type { ValidationRules } from '../dictionary/index.js';
import type { ThemeCode } from './themes.js';

export const FREQUENCIES = ['daily', 'weekly', 'monthly', 'quarterly', 'semiannual', 'annual', 'irregular', 'never'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const LICENCES = ['CC-BY-4.0', 'CC0-1.0', 'ODbL-1.0', 'CC-BY-SA-4.0', 'none'] as const;
export type Licence = (typeof LICENCES)[number];
/** Law on Data (2024) classes: importance (cốt lõi / quan trọng / khác) and access (mở / dùng chung / riêng). */
export const IMPORTANCE = ['core', 'important', 'other'] as const;
export type Importance = (typeof IMPORTANCE)[number];
export const ACCESS = ['open', 'shared', 'private'] as const;
export type Access = (typeof ACCESS)[number];
export const DATASET_STATUSES = ['planned', 'active', 'retired'] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];
export const COLUMN_TYPES = ['text', 'integer', 'number', 'date', 'boolean', 'geometry', 'json'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** One column of a dataset's schema: a warehouse column, the header it comes from, its binding and rules. */
export interface ColumnSpec {
  /** Warehouse column name, ^[a-z][a-z0-9_]{0,62}$. */
  name: string;
  /** Header as it appears in files. */
  title: string;
  type: ColumnType;
  /** Dictionary element the column is bound to. */
  elementCode: string | null;
  required: boolean;
  /** Part of the dataset key (upsert, uniqueness). */
  key: boolean;
  unit: string | null;
  codeList: string | null;
  rules: ValidationRules;
}

/** The four quality dimensions of the strategy, 0..1 each: đúng, đủ, sạch, sống, and their mean. */
export interface QualityScores {
  validity: number;
  completeness: number;
  uniqueness: number;
  freshness: number;
  score: number;
}

/** A catalogued dataset with DCAT-AP-shaped metadata. */
export interface Dataset {
  id: string;
  slug: string;
  title: string;
  titleEn: string | null;
  description: string | null;
  descriptionEn: string | null;
  keywords: string[];
  themes: ThemeCode[];
  publisherOrgId: string;
  contact: { name: string | null; email: string | null };
  /** Spatial coverage: the whole province, or a list of commune codes. */
  spatial: { scope: 'province' | 'communes'; communes: string[] };
  temporal: { start: string | null; end: string | null };
  updateFrequency: Frequency;
  licence: Licence;
  accessRights: string | null;
  importance: Importance;
  access: Access;
  personalData: boolean;
  ownerId: string | null;
  stewardId: string | null;
  status: DatasetStatus;
  plannedCompletion: string | null;
  sourceRef: string | null;
  columns: ColumnSpec[];
  schemaVersion: number;
  latestVersion: number | null;
  lastLoadedAt: Date | null;
  rowCount: number | null;
  quality: QualityScores | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Metadata a caller gives when creating a dataset (everything else has defaults). */
export interface DatasetInput {
  slug: string;
  title: string;
  titleEn?: string | null;
  description?: string | null;
  descriptionEn?: string | null;
  keywords?: string[];
  themes?: ThemeCode[];
  publisherOrgId: string;
  contact?: { name?: string | null; email?: string | null };
  spatial?: { scope: 'province' | 'communes'; communes?: string[] };
  temporal?: { start?: string | null; end?: string | null };
  updateFrequency?: Frequency;
  licence?: Licence;
  accessRights?: string | null;
  importance?: Importance;
  access?: Access;
  personalData?: boolean;
  ownerId?: string | null;
  stewardId?: string | null;
  status?: DatasetStatus;
  plannedCompletion?: string | null;
  sourceRef?: string | null;
  columns?: ColumnSpec[];
}
export type DatasetPatch = Partial<Omit<DatasetInput, 'slug' | 'columns'>>;

/** Quality of one agency's datasets, for the yearly ranking of data capability. */
export interface AgencyQuality {
  orgId: string;
  datasets: number;
  scored: number;
  overdue: number;
  validity: number | null;
  completeness: number | null;
  uniqueness: number | null;
  freshness: number | null;
  score: number | null;
}
