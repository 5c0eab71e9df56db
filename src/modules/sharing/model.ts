import type { WhFilter } from '../warehouse/index.js';

export const ENVIRONMENTS = ['production', 'test'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const SUBSYSTEM_STATUSES = ['active', 'suspended', 'retired'] as const;
export type SubsystemStatus = (typeof SUBSYSTEM_STATUSES)[number];
export const SERVICE_KINDS = ['dataset', 'query', 'rest'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];
export const AGREEMENT_STATUSES = ['requested', 'changes_requested', 'active', 'rejected', 'revoked', 'expired', 'withdrawn'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];
export const PARAM_TYPES = ['text', 'integer', 'number', 'date', 'boolean'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** The subsystem code of a member's warehouse, which serves its `dataset:<slug>` services. */
export const WAREHOUSE_SUBSYSTEM = 'kho-du-lieu';
/** Prefix of subsystem API keys (`pdl_…`), distinct from users' `pdk_…`. */
export const SUBSYSTEM_KEY_PREFIX = 'pdl_';

export interface SubsystemRow {
  id: string;
  org_id: string;
  code: string;
  name: string;
  owner_id: string | null;
  environment: Environment;
  status: SubsystemStatus;
  managed: boolean;
  rate_limit_per_minute: number;
  created_at: Date;
}

export interface KeyRow {
  id: string;
  subsystem_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface CertificateRow {
  id: string;
  subsystem_id: string;
  fingerprint: string;
  subject: string | null;
  not_after: Date | null;
  created_at: Date;
  revoked_at: Date | null;
}

/** A typed parameter of a query service, bound into its template (`?ma_xa=21553`). */
export interface ServiceParam {
  name: string;
  type: ParamType;
  required: boolean;
  /** Comma-separated list (for an `in` filter). */
  list?: boolean;
  description?: string;
}

/** One condition of a query template: a fixed value, or the value of a parameter. */
export interface TemplateFilter {
  column: string;
  op: WhFilter['op'];
  value?: WhFilter['value'];
  param?: string;
}

export interface QueryTemplate {
  fields?: string[];
  filters?: TemplateFilter[];
  sort?: { column: string; dir?: 'asc' | 'desc' }[];
}

/** A declared field of a proxied REST service; `elementCode` ties it to the dictionary (personal data). */
export interface RestField {
  name: string;
  elementCode?: string | null;
}

export interface ServiceRow {
  id: string;
  subsystem_id: string;
  subsystem_code: string;
  org_id: string;
  code: string;
  kind: ServiceKind;
  title: string;
  description: string | null;
  dataset_id: string | null;
  template: QueryTemplate | null;
  params: ServiceParam[];
  fields: RestField[];
  upstream_url: string | null;
  upstream_format: 'json' | 'xml' | 'csv' | null;
  status: 'active' | 'retired';
  created_at: Date;
}

/** The terms a consumer asks for and a provider grants. */
export interface Terms {
  fields: string[];
  clearFields: string[];
  maskedFields: string[];
  rowFilter: WhFilter[];
  purpose: string;
  legalBasis: string;
  validFrom: Date;
  validTo: Date;
  dailyRowLimit: number;
}

export interface AgreementRow {
  id: string;
  consumer_subsystem_id: string;
  consumer_org_id: string;
  service_id: string;
  provider_org_id: string;
  status: AgreementStatus;
  fields: string[];
  clear_fields: string[];
  masked_fields: string[];
  row_filter: WhFilter[];
  purpose: string;
  legal_basis: string;
  valid_from: Date;
  valid_to: Date;
  daily_row_limit: number;
  requested_by: string | null;
  decided_by: string | null;
  created_at: Date;
  updated_at: Date;
  // joined
  consumer_subsystem_code?: string;
  service_code?: string;
  service_title?: string;
  provider_subsystem_code?: string;
}

export interface HistoryRow {
  id: number;
  agreement_id: string;
  at: Date;
  action: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_org_id: string | null;
  note: string | null;
  terms: Record<string, unknown>;
}

export interface NotificationRow {
  id: number;
  org_id: string;
  user_id: string | null;
  kind: string;
  title: string;
  body: string | null;
  link: string | null;
  created_at: Date;
  read_at: Date | null;
}

export interface WebhookRow {
  id: string;
  subsystem_id: string;
  service_id: string;
  url: string;
  secret: string;
  active: boolean;
  created_at: Date;
}

/** A field a service offers, with its dictionary class of personal data. */
export interface FieldInfo {
  name: string;
  type: string;
  elementCode: string | null;
  personalData: 'none' | 'basic' | 'sensitive';
}
