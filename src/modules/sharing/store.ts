import type { Queryable } from '../../core/db/index.js';
import { conflict } from '../../core/errors.js';
import type {
  AgreementRow, AgreementStatus, CertificateRow, HistoryRow, KeyRow, NotificationRow, ServiceRow, SubsystemRow, Terms, WebhookRow,
} from './model.js';

/** Translates unique and foreign-key violations into domain conflicts, in one place. */
async function translate<T>(p: Promise<T>, what: { vi: string; en: string }): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '23505') throw conflict(what);
    if (code === '23503') throw conflict({ vi: 'Tham chiếu không tồn tại', en: 'Referenced record does not exist' });
    throw e;
  }
}

const SERVICE_COLS = `s.id, s.subsystem_id, ss.code AS subsystem_code, s.org_id, s.code, s.kind, s.title, s.description, s.dataset_id,
  s.template, s.params, s.fields, s.upstream_url, s.upstream_format, s.status, s.created_at`;
const AGREEMENT_COLS = `a.*, cs.code AS consumer_subsystem_code, s.code AS service_code, s.title AS service_title, ps.code AS provider_subsystem_code`;
const AGREEMENT_FROM = `ldop_agreements a JOIN ldop_subsystems cs ON cs.id = a.consumer_subsystem_id
  JOIN ldop_services s ON s.id = a.service_id JOIN ldop_subsystems ps ON ps.id = s.subsystem_id`;
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Caller identity resolved from a credential. */
export interface CredentialHit {
  credential_id: string;
  subsystem: SubsystemRow;
}

export interface UsageRow {
  requests: number;
  errors: number;
  p95: number | null;
  rows: number;
}

/** SQL of the sharing module. Only this file talks to its tables. */
export class SharingStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): SharingStore {
    return new SharingStore(q);
  }

  // ---- subsystems and credentials --------------------------------------------------------------

  async insertSubsystem(s: { orgId: string; code: string; name: string; ownerId: string | null; environment: string; managed?: boolean }): Promise<SubsystemRow> {
    const r = await translate(
      this.db.query<SubsystemRow>(
        `INSERT INTO ldop_subsystems (org_id, code, name, owner_id, environment, managed) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [s.orgId, s.code, s.name, s.ownerId, s.environment, s.managed ?? false],
      ),
      { vi: `Hệ thống ${s.code} của ${s.orgId} đã tồn tại`, en: `Subsystem ${s.code} of ${s.orgId} exists` },
    );
    return r.rows[0]!;
  }

  /** The managed warehouse subsystem of a member, created on first need. */
  async ensureManagedSubsystem(orgId: string, code: string, name: string): Promise<SubsystemRow> {
    await this.db.query(
      `INSERT INTO ldop_subsystems (org_id, code, name, environment, managed) VALUES ($1, $2, $3, 'production', true) ON CONFLICT (org_id, code) DO NOTHING`,
      [orgId, code, name],
    );
    return (await this.subsystemByCode(orgId, code))!;
  }

  async getSubsystem(id: string): Promise<SubsystemRow | null> {
    if (!isUuid(id)) return null;
    return (await this.db.query<SubsystemRow>('SELECT * FROM ldop_subsystems WHERE id = $1', [id])).rows[0] ?? null;
  }

  async subsystemByCode(orgId: string, code: string): Promise<SubsystemRow | null> {
    return (await this.db.query<SubsystemRow>('SELECT * FROM ldop_subsystems WHERE org_id = $1 AND code = $2', [orgId, code])).rows[0] ?? null;
  }

  async listSubsystems(orgId: string | null): Promise<SubsystemRow[]> {
    return (await this.db.query<SubsystemRow>('SELECT * FROM ldop_subsystems WHERE ($1::text IS NULL OR org_id = $1) ORDER BY org_id, code', [orgId])).rows;
  }

  async updateSubsystem(id: string, p: { name?: string; status?: string; environment?: string; ownerId?: string | null; rateLimitPerMinute?: number }): Promise<SubsystemRow | null> {
    const r = await translate(this.db.query<SubsystemRow>(
      `UPDATE ldop_subsystems SET name = COALESCE($2, name), status = COALESCE($3, status), environment = COALESCE($4, environment),
         owner_id = CASE WHEN $5::boolean THEN $6::uuid ELSE owner_id END, rate_limit_per_minute = COALESCE($7, rate_limit_per_minute), updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, p.name ?? null, p.status ?? null, p.environment ?? null, p.ownerId !== undefined, p.ownerId ?? null, p.rateLimitPerMinute ?? null],
    ), { vi: 'Không cập nhật được hệ thống', en: 'Could not update the subsystem' });
    return r.rows[0] ?? null;
  }

  async insertKey(k: { subsystemId: string; name: string; prefix: string; keyHash: string; createdBy: string | null; expiresAt: Date | null }): Promise<KeyRow> {
    const r = await this.db.query<KeyRow>(
      `INSERT INTO ldop_keys (subsystem_id, name, prefix, key_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, subsystem_id, name, prefix, created_at, expires_at, revoked_at, last_used_at`,
      [k.subsystemId, k.name, k.prefix, k.keyHash, k.createdBy, k.expiresAt],
    );
    return r.rows[0]!;
  }

  async listKeys(subsystemId: string): Promise<KeyRow[]> {
    return (await this.db.query<KeyRow>(
      'SELECT id, subsystem_id, name, prefix, created_at, expires_at, revoked_at, last_used_at FROM ldop_keys WHERE subsystem_id = $1 ORDER BY created_at', [subsystemId],
    )).rows;
  }

  async revokeKey(subsystemId: string, keyId: string): Promise<boolean> {
    if (!isUuid(keyId)) return false;
    const r = await this.db.query('UPDATE ldop_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND subsystem_id = $2', [keyId, subsystemId]);
    return r.rowCount > 0;
  }

  /** A live key: not revoked, not expired, of an active subsystem. */
  async subsystemByKeyHash(hash: string): Promise<CredentialHit | null> {
    const r = await this.db.query<SubsystemRow & { credential_id: string }>(
      `SELECT s.*, k.id AS credential_id FROM ldop_keys k JOIN ldop_subsystems s ON s.id = k.subsystem_id
       WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND s.status = 'active'`,
      [hash],
    );
    const row = r.rows[0];
    if (!row) return null;
    const { credential_id, ...subsystem } = row;
    return { credential_id, subsystem };
  }

  async touchKey(id: string): Promise<void> {
    await this.db.query('UPDATE ldop_keys SET last_used_at = now() WHERE id = $1', [id]);
  }

  async insertCertificate(c: { subsystemId: string; fingerprint: string; subject: string | null; notAfter: Date | null; createdBy: string | null }): Promise<CertificateRow> {
    const r = await translate(this.db.query<CertificateRow>(
      `INSERT INTO ldop_certificates (subsystem_id, fingerprint, subject, not_after, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, subsystem_id, fingerprint, subject, not_after, created_at, revoked_at`,
      [c.subsystemId, c.fingerprint, c.subject, c.notAfter, c.createdBy],
    ), { vi: 'Chứng thư này đã được đăng ký', en: 'This certificate is already registered' });
    return r.rows[0]!;
  }

  async listCertificates(subsystemId: string): Promise<CertificateRow[]> {
    return (await this.db.query<CertificateRow>(
      'SELECT id, subsystem_id, fingerprint, subject, not_after, created_at, revoked_at FROM ldop_certificates WHERE subsystem_id = $1 ORDER BY created_at', [subsystemId],
    )).rows;
  }

  async revokeCertificate(subsystemId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const r = await this.db.query('UPDATE ldop_certificates SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND subsystem_id = $2', [id, subsystemId]);
    return r.rowCount > 0;
  }

  async subsystemByFingerprint(fp: string): Promise<CredentialHit | null> {
    const r = await this.db.query<SubsystemRow & { credential_id: string }>(
      `SELECT s.*, c.id AS credential_id FROM ldop_certificates c JOIN ldop_subsystems s ON s.id = c.subsystem_id
       WHERE c.fingerprint = $1 AND c.revoked_at IS NULL AND (c.not_after IS NULL OR c.not_after > now()) AND s.status = 'active'`,
      [fp],
    );
    const row = r.rows[0];
    if (!row) return null;
    const { credential_id, ...subsystem } = row;
    return { credential_id, subsystem };
  }

  // ---- services --------------------------------------------------------------------------------

  async upsertDatasetService(s: { subsystemId: string; orgId: string; code: string; title: string; description: string | null; datasetId: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO ldop_services (subsystem_id, org_id, code, kind, title, description, dataset_id, search)
       VALUES ($1, $2, $3, 'dataset', $4, $5, $6, provdata_fold($3 || ' ' || $4 || ' ' || coalesce($5, '')))
       ON CONFLICT (subsystem_id, code) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, search = EXCLUDED.search, updated_at = now()
       WHERE ldop_services.title IS DISTINCT FROM EXCLUDED.title OR ldop_services.description IS DISTINCT FROM EXCLUDED.description`,
      [s.subsystemId, s.orgId, s.code, s.title, s.description, s.datasetId],
    );
  }

  async insertService(s: Omit<ServiceRow, 'id' | 'subsystem_code' | 'created_at' | 'status'> & { createdBy: string | null }): Promise<string> {
    const r = await translate(this.db.query<{ id: string }>(
      `INSERT INTO ldop_services (subsystem_id, org_id, code, kind, title, description, dataset_id, template, params, fields, upstream_url, upstream_format, created_by, search)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, provdata_fold($3 || ' ' || $5 || ' ' || coalesce($6, ''))) RETURNING id`,
      [s.subsystem_id, s.org_id, s.code, s.kind, s.title, s.description, s.dataset_id, s.template === null ? null : JSON.stringify(s.template),
        JSON.stringify(s.params), JSON.stringify(s.fields), s.upstream_url, s.upstream_format, s.createdBy],
    ), { vi: `Dịch vụ ${s.code} đã tồn tại trong hệ thống này`, en: `Service ${s.code} exists in this subsystem` });
    return r.rows[0]!.id;
  }

  async getService(id: string): Promise<ServiceRow | null> {
    if (!isUuid(id)) return null;
    return (await this.db.query<ServiceRow>(`SELECT ${SERVICE_COLS} FROM ldop_services s JOIN ldop_subsystems ss ON ss.id = s.subsystem_id WHERE s.id = $1`, [id])).rows[0] ?? null;
  }

  async serviceByAddress(orgId: string, subsystemCode: string, code: string): Promise<ServiceRow | null> {
    return (await this.db.query<ServiceRow>(
      `SELECT ${SERVICE_COLS} FROM ldop_services s JOIN ldop_subsystems ss ON ss.id = s.subsystem_id
       WHERE ss.org_id = $1 AND ss.code = $2 AND s.code = $3 AND s.status = 'active' AND ss.status = 'active'`,
      [orgId, subsystemCode, code],
    )).rows[0] ?? null;
  }

  async servicesOfDataset(datasetId: string): Promise<ServiceRow[]> {
    return (await this.db.query<ServiceRow>(`SELECT ${SERVICE_COLS} FROM ldop_services s JOIN ldop_subsystems ss ON ss.id = s.subsystem_id WHERE s.dataset_id = $1`, [datasetId])).rows;
  }

  async searchServices(p: { q: string | null; orgId: string | null; kind: string | null; limit: number; offset: number }): Promise<{ total: number; items: ServiceRow[] }> {
    const where = `s.status = 'active' AND ($1::text IS NULL OR s.org_id = $1) AND ($2::text IS NULL OR s.kind = $2)
      AND ($3::text IS NULL OR s.search LIKE '%' || provdata_fold($3) || '%' OR provdata_fold($3) <% s.search)`;
    const args = [p.orgId, p.kind, p.q];
    const total = await this.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ldop_services s WHERE ${where}`, args);
    const items = await this.db.query<ServiceRow>(
      `SELECT ${SERVICE_COLS} FROM ldop_services s JOIN ldop_subsystems ss ON ss.id = s.subsystem_id WHERE ${where} ORDER BY s.org_id, s.code LIMIT $4 OFFSET $5`,
      [...args, p.limit, p.offset],
    );
    return { total: Number(total.rows[0]!.n), items: items.rows };
  }

  /** Who currently has access to each service: active agreements with their consumer. */
  async accessOf(serviceIds: string[]): Promise<{ service_id: string; agreement_id: string; consumer_org_id: string; consumer_subsystem_code: string; valid_to: Date }[]> {
    if (!serviceIds.length) return [];
    return (await this.db.query<{ service_id: string; agreement_id: string; consumer_org_id: string; consumer_subsystem_code: string; valid_to: Date }>(
      `SELECT a.service_id, a.id AS agreement_id, a.consumer_org_id, cs.code AS consumer_subsystem_code, a.valid_to
       FROM ldop_agreements a JOIN ldop_subsystems cs ON cs.id = a.consumer_subsystem_id
       WHERE a.service_id = ANY($1::uuid[]) AND a.status = 'active' AND a.valid_to > now() ORDER BY a.consumer_org_id`,
      [serviceIds],
    )).rows;
  }

  // ---- agreements -------------------------------------------------------------------------------

  async insertAgreement(a: { consumerSubsystemId: string; consumerOrgId: string; serviceId: string; providerOrgId: string; terms: Terms; requestedBy: string | null }): Promise<string> {
    const t = a.terms;
    const r = await this.db.query<{ id: string }>(
      `INSERT INTO ldop_agreements (consumer_subsystem_id, consumer_org_id, service_id, provider_org_id, status, fields, clear_fields, masked_fields, row_filter,
         purpose, legal_basis, valid_from, valid_to, daily_row_limit, requested_by)
       VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
      [a.consumerSubsystemId, a.consumerOrgId, a.serviceId, a.providerOrgId, t.fields, t.clearFields, t.maskedFields, JSON.stringify(t.rowFilter),
        t.purpose, t.legalBasis, t.validFrom, t.validTo, t.dailyRowLimit, a.requestedBy],
    );
    return r.rows[0]!.id;
  }

  async getAgreement(id: string, forUpdate = false): Promise<AgreementRow | null> {
    if (!isUuid(id)) return null;
    return (await this.db.query<AgreementRow>(`SELECT ${AGREEMENT_COLS} FROM ${AGREEMENT_FROM} WHERE a.id = $1${forUpdate ? ' FOR UPDATE OF a' : ''}`, [id])).rows[0] ?? null;
  }

  async setAgreement(id: string, status: AgreementStatus, terms: Terms | null, decidedBy: string | null): Promise<void> {
    if (terms) {
      await this.db.query(
        `UPDATE ldop_agreements SET status = $2, fields = $3, clear_fields = $4, masked_fields = $5, row_filter = $6, purpose = $7, legal_basis = $8,
           valid_from = $9, valid_to = $10, daily_row_limit = $11, decided_by = COALESCE($12, decided_by), updated_at = now() WHERE id = $1`,
        [id, status, terms.fields, terms.clearFields, terms.maskedFields, JSON.stringify(terms.rowFilter), terms.purpose, terms.legalBasis,
          terms.validFrom, terms.validTo, terms.dailyRowLimit, decidedBy],
      );
    } else {
      await this.db.query('UPDATE ldop_agreements SET status = $2, decided_by = COALESCE($3, decided_by), updated_at = now() WHERE id = $1', [id, status, decidedBy]);
    }
  }

  async listAgreements(p: { orgId: string | null; side: 'consumer' | 'provider' | 'both'; status: string | null; serviceId: string | null }): Promise<AgreementRow[]> {
    const side = p.side === 'consumer' ? 'a.consumer_org_id = $1' : p.side === 'provider' ? 'a.provider_org_id = $1' : '(a.consumer_org_id = $1 OR a.provider_org_id = $1)';
    return (await this.db.query<AgreementRow>(
      `SELECT ${AGREEMENT_COLS} FROM ${AGREEMENT_FROM}
       WHERE ($1::text IS NULL OR ${side}) AND ($2::text IS NULL OR a.status = $2) AND ($3::uuid IS NULL OR a.service_id = $3)
       ORDER BY a.updated_at DESC LIMIT 500`,
      [p.orgId, p.status, p.serviceId],
    )).rows;
  }

  /** The agreement of a consumer subsystem on a service that is (or was last) active. */
  async currentAgreement(consumerSubsystemId: string, serviceId: string): Promise<AgreementRow | null> {
    return (await this.db.query<AgreementRow>(
      `SELECT a.* FROM ldop_agreements a WHERE a.consumer_subsystem_id = $1 AND a.service_id = $2 AND a.status IN ('active', 'expired', 'revoked')
       ORDER BY (a.status = 'active' AND a.valid_from <= now() AND a.valid_to > now()) DESC, a.updated_at DESC LIMIT 1`,
      [consumerSubsystemId, serviceId],
    )).rows[0] ?? null;
  }

  /** Marks active agreements past their end as expired; returns them. */
  async expireDue(): Promise<{ id: string; consumer_org_id: string; provider_org_id: string }[]> {
    return (await this.db.query<{ id: string; consumer_org_id: string; provider_org_id: string }>(
      `UPDATE ldop_agreements SET status = 'expired', updated_at = now() WHERE status = 'active' AND valid_to <= now() RETURNING id, consumer_org_id, provider_org_id`,
    )).rows;
  }

  async expiringSoon(orgId: string | null, days: number): Promise<AgreementRow[]> {
    return (await this.db.query<AgreementRow>(
      `SELECT ${AGREEMENT_COLS} FROM ${AGREEMENT_FROM} WHERE a.status = 'active' AND a.valid_to > now() AND a.valid_to <= now() + make_interval(days => $2)
         AND ($1::text IS NULL OR a.provider_org_id = $1 OR a.consumer_org_id = $1) ORDER BY a.valid_to`,
      [orgId, days],
    )).rows;
  }

  async addHistory(h: { agreementId: string; action: string; actorId: string | null; actorName: string | null; actorOrgId: string | null; note: string | null; terms: Record<string, unknown> }): Promise<void> {
    await this.db.query(
      'INSERT INTO ldop_agreement_history (agreement_id, action, actor_id, actor_name, actor_org_id, note, terms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [h.agreementId, h.action, h.actorId, h.actorName, h.actorOrgId, h.note, JSON.stringify(h.terms)],
    );
  }

  async history(agreementId: string): Promise<HistoryRow[]> {
    return (await this.db.query<HistoryRow>('SELECT * FROM ldop_agreement_history WHERE agreement_id = $1 ORDER BY id', [agreementId])).rows;
  }

  /** Adds rows to today's volume (Vietnam's day, UTC+7 all year) unless that would pass the limit. False when refused. */
  async consumeVolume(agreementId: string, rows: number, limit: number): Promise<boolean> {
    if (rows > limit) return false;
    const r = await this.db.query(
      `INSERT INTO ldop_usage (agreement_id, day, rows) VALUES ($1, ((now() AT TIME ZONE 'UTC') + interval '7 hours')::date, $2)
       ON CONFLICT (agreement_id, day) DO UPDATE SET rows = ldop_usage.rows + EXCLUDED.rows WHERE ldop_usage.rows + EXCLUDED.rows <= $3 RETURNING rows`,
      [agreementId, rows, limit],
    );
    return r.rowCount > 0;
  }

  /** Records a nonce; false when this subsystem used it before. */
  async useNonce(subsystemId: string, nonce: string): Promise<boolean> {
    const r = await this.db.query('INSERT INTO ldop_nonces (subsystem_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING', [subsystemId, nonce]);
    return r.rowCount > 0;
  }

  async pruneNonces(hours: number): Promise<void> {
    await this.db.query('DELETE FROM ldop_nonces WHERE seen_at < now() - make_interval(hours => $1)', [hours]);
  }

  // ---- notifications ---------------------------------------------------------------------------

  async notify(n: { orgId: string; userId?: string | null; kind: string; title: string; body?: string | null; link?: string | null }): Promise<void> {
    await this.db.query('INSERT INTO notifications (org_id, user_id, kind, title, body, link) VALUES ($1, $2, $3, $4, $5, $6)',
      [n.orgId, n.userId ?? null, n.kind, n.title, n.body ?? null, n.link ?? null]);
  }

  async notifications(orgId: string, userId: string | null, unreadOnly: boolean, limit: number): Promise<NotificationRow[]> {
    return (await this.db.query<NotificationRow>(
      `SELECT * FROM notifications WHERE org_id = $1 AND (user_id IS NULL OR user_id = $2::uuid) AND (NOT $3::boolean OR read_at IS NULL) ORDER BY id DESC LIMIT $4`,
      [orgId, userId, unreadOnly, limit],
    )).rows;
  }

  async markRead(orgId: string, id: number): Promise<boolean> {
    const r = await this.db.query('UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND org_id = $2', [id, orgId]);
    return r.rowCount > 0;
  }

  // ---- message log reads and usage -------------------------------------------------------------

  async logRows(p: { orgId: string | null; side: 'consumer' | 'provider' | 'both'; serviceId: string | null; before: number | null; limit: number }) {
    const side = p.side === 'consumer' ? 'consumer_org_id = $1' : p.side === 'provider' ? 'provider_org_id = $1' : '(consumer_org_id = $1 OR provider_org_id = $1)';
    return (await this.db.query<Record<string, unknown>>(
      `SELECT * FROM ldop_message_log WHERE ($1::text IS NULL OR ${side}) AND ($2::uuid IS NULL OR service_id = $2) AND ($3::int8 IS NULL OR id < $3)
       ORDER BY id DESC LIMIT $4`,
      [p.orgId, p.serviceId, p.before, p.limit],
    )).rows;
  }

  async usage(p: { providerOrgId: string | null; serviceId: string | null; days: number }): Promise<UsageRow> {
    const r = await this.db.query<{ requests: string; errors: string; p95: number | null; rows: string }>(
      `SELECT count(*)::text AS requests, count(*) FILTER (WHERE status >= 400)::text AS errors,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95, coalesce(sum(rows), 0)::text AS rows
       FROM ldop_message_log WHERE at > now() - make_interval(days => $3) AND ($1::text IS NULL OR provider_org_id = $1) AND ($2::uuid IS NULL OR service_id = $2)`,
      [p.providerOrgId, p.serviceId, p.days],
    );
    const x = r.rows[0]!;
    return { requests: Number(x.requests), errors: Number(x.errors), p95: x.p95 === null ? null : Number(x.p95), rows: Number(x.rows) };
  }

  async usageByService(p: { providerOrgId: string | null; days: number }) {
    return (await this.db.query<{ service_id: string; service_code: string; provider_org_id: string; requests: string; errors: string; p95: number | null; rows: string }>(
      `SELECT service_id, max(service_code) AS service_code, max(provider_org_id) AS provider_org_id, count(*)::text AS requests,
         count(*) FILTER (WHERE status >= 400)::text AS errors, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95, coalesce(sum(rows), 0)::text AS rows
       FROM ldop_message_log WHERE service_id IS NOT NULL AND at > now() - make_interval(days => $2) AND ($1::text IS NULL OR provider_org_id = $1)
       GROUP BY service_id ORDER BY count(*) DESC LIMIT 100`,
      [p.providerOrgId, p.days],
    )).rows;
  }

  async topConsumers(p: { providerOrgId: string | null; serviceId: string | null; days: number; limit: number }) {
    return (await this.db.query<{ consumer_org_id: string; requests: string; rows: string }>(
      `SELECT consumer_org_id, count(*)::text AS requests, coalesce(sum(rows), 0)::text AS rows FROM ldop_message_log
       WHERE consumer_org_id IS NOT NULL AND status < 400 AND at > now() - make_interval(days => $3)
         AND ($1::text IS NULL OR provider_org_id = $1) AND ($2::uuid IS NULL OR service_id = $2)
       GROUP BY consumer_org_id ORDER BY count(*) DESC LIMIT $4`,
      [p.providerOrgId, p.serviceId, p.days, p.limit],
    )).rows;
  }

  /**
   * The KPI "share of agencies connected to the LDOP": agencies with at least one active subsystem
   * that had a successful exchange (as consumer or provider) in the last `days` days, over all agencies.
   */
  async connectedAgencies(days: number): Promise<{ total: number; connected: string[] }> {
    const total = await this.db.query<{ n: string }>("SELECT count(*)::text AS n FROM organisations WHERE kind = 'agency'");
    const c = await this.db.query<{ org_id: string }>(
      `SELECT DISTINCT s.org_id FROM ldop_subsystems s JOIN organisations o ON o.id = s.org_id AND o.kind = 'agency'
       WHERE s.status = 'active' AND EXISTS (
         SELECT 1 FROM ldop_message_log m WHERE m.at > now() - make_interval(days => $1) AND m.status < 400
           AND (m.consumer_subsystem_id = s.id OR (m.provider_org_id = s.org_id AND m.provider_subsystem = s.code)))
       ORDER BY s.org_id`,
      [days],
    );
    return { total: Number(total.rows[0]!.n), connected: c.rows.map((r) => r.org_id) };
  }

  // ---- webhooks ----------------------------------------------------------------------------------

  async insertWebhook(w: { subsystemId: string; serviceId: string; url: string; secret: string; createdBy: string | null }): Promise<WebhookRow> {
    return (await this.db.query<WebhookRow>(
      'INSERT INTO ldop_webhooks (subsystem_id, service_id, url, secret, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [w.subsystemId, w.serviceId, w.url, w.secret, w.createdBy],
    )).rows[0]!;
  }

  async getWebhook(id: string): Promise<WebhookRow | null> {
    if (!isUuid(id)) return null;
    return (await this.db.query<WebhookRow>('SELECT * FROM ldop_webhooks WHERE id = $1', [id])).rows[0] ?? null;
  }

  /** Webhooks whose secret is still in clear (written before sealing existed). */
  async unsealedWebhookSecrets(): Promise<{ id: string; secret: string }[]> {
    return (await this.db.query<{ id: string; secret: string }>("SELECT id, secret FROM ldop_webhooks WHERE secret NOT LIKE 'sealed:%'")).rows;
  }

  /** Replaces a secret by its sealed form, unless it changed meanwhile. Returns 1 when replaced. */
  async replaceWebhookSecret(id: string, was: string, sealed: string): Promise<number> {
    return (await this.db.query('UPDATE ldop_webhooks SET secret = $3 WHERE id = $1 AND secret = $2', [id, was, sealed])).rowCount ?? 0;
  }

  async listWebhooks(subsystemIds: string[]): Promise<WebhookRow[]> {
    return (await this.db.query<WebhookRow>('SELECT * FROM ldop_webhooks WHERE subsystem_id = ANY($1::uuid[]) ORDER BY created_at', [subsystemIds])).rows;
  }

  async deactivateWebhook(id: string): Promise<void> {
    await this.db.query('UPDATE ldop_webhooks SET active = false WHERE id = $1', [id]);
  }

  /** Active webhooks on services over a dataset whose subsystem holds an active agreement on that service. */
  async webhooksForDataset(datasetId: string): Promise<WebhookRow[]> {
    return (await this.db.query<WebhookRow>(
      `SELECT w.* FROM ldop_webhooks w JOIN ldop_services s ON s.id = w.service_id
       WHERE s.dataset_id = $1 AND w.active AND EXISTS (
         SELECT 1 FROM ldop_agreements a WHERE a.service_id = w.service_id AND a.consumer_subsystem_id = w.subsystem_id
           AND a.status = 'active' AND a.valid_from <= now() AND a.valid_to > now())`,
      [datasetId],
    )).rows;
  }

  async recordDelivery(d: { webhookId: string; eventId: number; attempt: number; responseStatus: number | null; error: string | null }): Promise<void> {
    await this.db.query('INSERT INTO ldop_webhook_deliveries (webhook_id, event_id, attempt, response_status, error) VALUES ($1, $2, $3, $4, $5)',
      [d.webhookId, d.eventId, d.attempt, d.responseStatus, d.error]);
  }

  async deliveries(webhookId: string) {
    return (await this.db.query<{ id: string; event_id: string; attempt: number; at: Date; response_status: number | null; error: string | null }>(
      'SELECT id::text AS id, event_id::text AS event_id, attempt, at, response_status, error FROM ldop_webhook_deliveries d WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT 200',
      [webhookId],
    )).rows;
  }

  /** True when a periodic job of this queue is already waiting (core `jobs` table, read only). */
  async jobPending(queue: string): Promise<boolean> {
    const r = await this.db.query("SELECT 1 FROM jobs WHERE queue = $1 AND status IN ('pending', 'running') LIMIT 1", [queue]);
    return r.rowCount > 0;
  }
}
