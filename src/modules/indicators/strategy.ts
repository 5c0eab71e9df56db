import { readFileSync } from 'node:fs';

/**
 * The Data Strategy's four appendices as data, transcribed from the seed text by
 * scripts/strategy-seed.mjs into strategy-data.json (the Vietnamese exactly as written; English ours).
 */

import type { StrategyKind, StrategyStatus } from './schema.js';

export type { StrategyKind, StrategyStatus };

/** Appendix 1: a detailed target (mục tiêu cụ thể). */
export interface StrategyTarget {
  ordinal: number;
  /** A–D. */
  group: string;
  groupName: string;
  groupNameEn: string;
  /** As printed: "A.3", "B5", "F.1" (group D's targets are numbered F in the source). */
  code: string;
  name: string;
  nameEn: string;
  goal2026_2027: string | null;
  goal2028_2030: string | null;
  monitoringAgency: string;
  /** Seeded organisations the monitoring agency names; empty for the Steering Committee. */
  monitoringOrgIds: string[];
}

/** Appendix 2: a strategic task (nhiệm vụ). */
export interface StrategyTask {
  ordinal: number;
  group: number;
  groupName: string;
  groupNameEn: string;
  /** As printed: "NV 2.2". */
  code: string;
  name: string;
  nameEn: string;
  leadAgency: string;
  leadOrgIds: string[];
  partners: string;
  expectedOutput: string;
  /** The deadline as written ("2026 (và được cập nhật hàng năm)"). */
  deadline: string;
  /** The date it falls due (end of the year or range named, or the quarter of the output); null for recurring tasks. */
  dueDate: string | null;
}

/** Appendix 3: a database or information system to build or upgrade. */
export interface StrategyDatabase {
  ordinal: number;
  code: string;
  field: string;
  fieldEn: string;
  name: string;
  nameEn: string;
  description: string;
  leadAgency: string;
  leadOrgIds: string[];
  partners: string | null;
  dataScope: string | null;
  deadline: string;
  dueDate: string | null;
}

/** Appendix 4: a data application project. */
export interface StrategyProject {
  ordinal: number;
  code: string;
  name: string;
  nameEn: string;
  objective: string;
  leadAgency: string;
  leadOrgIds: string[];
  partners: string;
  period: string;
  dueDate: string | null;
}

export interface StrategyData {
  source: string;
  targets: StrategyTarget[];
  tasks: StrategyTask[];
  databases: StrategyDatabase[];
  projects: StrategyProject[];
}

let cached: StrategyData | null = null;

/** The transcription, read once. */
export function strategyData(): StrategyData {
  cached ??= JSON.parse(readFileSync(new URL('./strategy-data.json', import.meta.url), 'utf8')) as StrategyData;
  return cached;
}

/**
 * The Provincial Police is the standing body of the Steering Committee: it answers for items whose
 * monitoring or lead agency is the Committee itself or "the departments" at large.
 */
export const STANDING_BODY_ORG = 'cong-an';

/** One item of any appendix, with what monitoring needs to know about it. */
export interface StrategyItem {
  kind: StrategyKind;
  code: string;
  /** Organisations that may report its progress. */
  orgIds: string[];
  /** When it falls due; targets: the end of the phase of their first goal. */
  dueDate: string | null;
}

const targetDue = (t: StrategyTarget) => (t.goal2026_2027 ? '2027-12-31' : '2030-12-31');
const responsible = (ids: string[]) => (ids.length ? ids : [STANDING_BODY_ORG]);

/** Every item of the four appendices, by kind. */
export function strategyItems(kind: StrategyKind): StrategyItem[] {
  const d = strategyData();
  switch (kind) {
    case 'target': return d.targets.map((t) => ({ kind, code: t.code, orgIds: responsible(t.monitoringOrgIds), dueDate: targetDue(t) }));
    case 'task': return d.tasks.map((t) => ({ kind, code: t.code, orgIds: responsible(t.leadOrgIds), dueDate: t.dueDate }));
    case 'database': return d.databases.map((t) => ({ kind, code: t.code, orgIds: responsible(t.leadOrgIds), dueDate: t.dueDate }));
    case 'project': return d.projects.map((t) => ({ kind, code: t.code, orgIds: responsible(t.leadOrgIds), dueDate: t.dueDate }));
  }
}

/** Codes compare without spaces or case: "NV2.2", "nv 2.2" and "NV 2.2" are one task. */
export const codeKey = (code: string) => code.replace(/\s+/g, '').toUpperCase();

/** Past its due date (a day after, in Vietnam's time) and not completed. */
export function isOverdue(dueDate: string | null, status: StrategyStatus, now: Date): boolean {
  if (!dueDate || status === 'completed') return false;
  // The due day ends at midnight in UTC+7.
  return now.getTime() >= Date.parse(`${dueDate}T00:00:00+07:00`) + 86_400_000;
}
