import type { Batch, Connector, DeadLetter, Run, Target, TargetStatus } from './model.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What leaves the server about a target: never the token, only whether one is set. */
export const presentTarget = (t: Target) => ({
  code: t.code, ordinal: t.ordinal, name: t.name, nameEn: t.nameEn, enabled: t.enabled, baseUrl: t.baseUrl, hasToken: !!t.token,
  batchSize: t.batchSize, timeoutMs: t.timeoutMs, updatedAt: t.updatedAt.toISOString(),
});

export const presentConnector = (c: Connector) => ({
  id: c.id, datasetId: c.datasetId, targetCode: c.targetCode, mapping: c.mapping, enabled: c.enabled,
  createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(),
});

export const presentRun = (r: Run) => ({
  ...r, createdAt: r.createdAt.toISOString(), startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt),
});

export const presentBatch = (b: Batch) => ({
  batchNo: b.batchNo, idempotencyKey: b.idempotencyKey, firstRow: b.firstRow, rowCount: b.rowCount, sha256: b.sha256, status: b.status,
  attempts: b.attempts, acks: b.acks, duplicateAcks: b.duplicateAcks, ackCount: b.ackCount, ackSha256: b.ackSha256, lastError: b.lastError,
  firstSentAt: iso(b.firstSentAt), lastSentAt: iso(b.lastSentAt), ackedAt: iso(b.ackedAt),
});

export const presentDeadLetter = (d: DeadLetter) => ({ ...d, createdAt: d.createdAt.toISOString(), resolvedAt: iso(d.resolvedAt) });

export const presentStatus = (s: TargetStatus) => ({ ...s, lastRunAt: iso(s.lastRunAt) });
