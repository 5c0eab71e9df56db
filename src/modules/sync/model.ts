import type { MappingSpec } from './mapping.js';

/** A key national database the province feeds, as configured by an administrator. */
export interface Target {
  code: string;
  ordinal: number;
  name: string;
  nameEn: string;
  enabled: boolean;
  baseUrl: string | null;
  /** The bearer token. Stays inside the module: presenters show only `hasToken`. */
  token: string | null;
  batchSize: number;
  timeoutMs: number;
  updatedAt: Date;
}

export interface TargetPatch {
  enabled?: boolean;
  baseUrl?: string | null;
  /** A new token; null clears it; absent keeps it. */
  token?: string | null;
  batchSize?: number;
  timeoutMs?: number;
}

/** Dataset → target, with the mapping from the dataset's columns to the target's fields. */
export interface Connector {
  id: string;
  datasetId: string;
  targetCode: string;
  mapping: MappingSpec;
  enabled: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const RUN_STATUSES = ['pending', 'running', 'done', 'partial', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The delivery of one version of a dataset through one connector. */
export interface Run {
  id: string;
  connectorId: string;
  version: number;
  status: RunStatus;
  batchSize: number;
  rowsTotal: number;
  batchesTotal: number;
  attempts: number;
  lastError: string | null;
  trigger: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const BATCH_STATUSES = ['sending', 'acknowledged', 'dead', 'discarded'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface Batch {
  runId: string;
  batchNo: number;
  idempotencyKey: string;
  firstRow: number;
  rowCount: number;
  sha256: string;
  status: BatchStatus;
  attempts: number;
  acks: number;
  duplicateAcks: number;
  ackCount: number | null;
  ackSha256: string | null;
  lastError: string | null;
  firstSentAt: Date | null;
  lastSentAt: Date | null;
  ackedAt: Date | null;
}

export const DEAD_LETTER_STATUSES = ['open', 'retried', 'discarded'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** A batch a target refused (or the mapping could not produce), parked with its reason until someone acts. */
export interface DeadLetter {
  id: string;
  runId: string;
  connectorId: string;
  targetCode: string;
  datasetId: string;
  version: number;
  batchNo: number;
  idempotencyKey: string | null;
  kind: 'rejected' | 'mapping';
  httpStatus: number | null;
  reasonVi: string;
  raw: string | null;
  status: DeadLetterStatus;
  createdAt: Date;
  resolvedAt: Date | null;
}

export type MismatchProblem = 'hash' | 'count' | 'unacknowledged' | 'dead' | 'discarded' | 'missing' | 'absent-at-target';

/** Sent vs acknowledged, per connector and version. */
export interface Reconciliation {
  connectorId: string;
  targetCode: string;
  datasetId: string;
  version: number;
  runId: string;
  runStatus: RunStatus;
  rows: { expected: number; sent: number; acknowledged: number };
  batches: { expected: number; acknowledged: number; unacknowledged: number; dead: number; discarded: number; missing: number; duplicateAcks: number };
  /** SHA-256 over the batch hashes in order: what was sent, and what the target acknowledged. */
  digest: { sent: string; acknowledged: string };
  mismatches: {
    batchNo: number;
    idempotencyKey: string | null;
    problem: MismatchProblem;
    sent: { count: number; sha256: string } | null;
    acknowledged: { count: number | null; sha256: string | null } | null;
  }[];
  /** Whether the live check against the target ran (`live=true`). */
  live: boolean;
  matches: boolean;
}

/** One line per target: how its connectors are doing. */
export interface TargetStatus {
  code: string;
  name: string;
  enabled: boolean;
  connectors: number;
  runs: Record<RunStatus, number>;
  openDeadLetters: number;
  lastRunAt: Date | null;
}
