import type { MappedRow } from './mapping.js';

/** One batch on its way to a national database. */
export interface BatchDelivery {
  /** `<connector>:<version>:<batchNo>`: the same on every attempt, so the target stores a batch once. */
  idempotencyKey: string;
  connectorId: string;
  dataset: string;
  version: number;
  batchNo: number;
  records: MappedRow[];
  sha256: string;
}

/** What a delivery attempt came to. */
export type DeliveryOutcome =
  /** Stored (now or before: `duplicate`), with the target's own count and hash of what it holds. */
  | { kind: 'ack'; count: number; sha256: string | null; duplicate: boolean }
  /** The target refuses this batch's content (400/409/413/422): retrying as is cannot help. */
  | { kind: 'rejected'; status: number; reasonVi: string; raw: string }
  /** Timeouts, 408/425/429/5xx, connection refused or reset: retry with the same key. */
  | { kind: 'transient'; status: number | null; error: string }
  /** Credentials or address wrong (401/403/404/405…): no batch can pass until an operator fixes the target. */
  | { kind: 'refused'; status: number; error: string };

/** What the platform needs of a national database. The HTTP/JSON one below is the only one today. */
export interface NationalTarget {
  deliver(batch: BatchDelivery, signal: AbortSignal): Promise<DeliveryOutcome>;
  /** What the target holds under an idempotency key (null: nothing), for live reconciliation. */
  batchStatus(idempotencyKey: string, signal?: AbortSignal): Promise<{ count: number; sha256: string | null } | null>;
  health(): Promise<{ ok: boolean; status: number | null; error: string | null }>;
}

export interface HttpTargetConfig {
  baseUrl: string;
  /** Bearer token; used only in the Authorization header, never in messages. */
  token: string | null;
  timeoutMs: number;
}

interface AckBody {
  accepted?: boolean;
  duplicate?: boolean;
  count?: number;
  sha256?: string;
}
interface RejectBody {
  title?: string;
  detail?: string;
  message?: string;
  errors?: { row?: number; field?: string; message?: string }[];
}

const TRANSIENT_STATUS = new Set([408, 425, 429]);
const REJECT_STATUS = new Set([400, 409, 413, 422]);

/** Why a fetch failed, in words safe to store and show (no headers, so no token). */
function networkError(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return 'hết thời gian chờ (timeout)';
    if (e.name === 'AbortError') return 'đã hủy (máy chủ dừng)';
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `lỗi kết nối ${cause.code}`;
    return `lỗi kết nối: ${e.message.slice(0, 200)}`;
  }
  return 'lỗi kết nối';
}

/** Turns a refusal body into one Vietnamese sentence a steward can act on. */
function rejectionReason(status: number, text: string): string {
  let body: RejectBody | null = null;
  try {
    body = JSON.parse(text) as RejectBody;
  } catch {
    body = null;
  }
  const parts: string[] = [];
  for (const e of body?.errors?.slice(0, 10) ?? []) {
    parts.push(`${e.row !== undefined ? `bản ghi ${e.row}` : 'bản ghi'}${e.field ? `, trường “${e.field}”` : ''}: ${e.message ?? 'không hợp lệ'}`);
  }
  const more = (body?.errors?.length ?? 0) > 10 ? ` (và ${body!.errors!.length - 10} lỗi khác)` : '';
  const head = body?.detail ?? body?.title ?? body?.message ?? null;
  return `Hệ thống đích từ chối lô dữ liệu (HTTP ${status})${head ? `: ${head}` : ''}${parts.length ? ` — ${parts.join('; ')}${more}` : ''}`;
}

/**
 * A national database reached over HTTP/JSON: `POST {baseUrl}/batches` with the records, an
 * `Idempotency-Key` header and the batch's SHA-256; `GET {baseUrl}/batches/{key}` for what it holds;
 * `GET {baseUrl}/health`. The protocol is described in docs/sync.md.
 */
export class HttpNationalTarget implements NationalTarget {
  constructor(private readonly cfg: HttpTargetConfig) {}

  private url(p: string): string {
    return `${this.cfg.baseUrl.replace(/\/+$/, '')}${p}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.cfg.token ? { authorization: `Bearer ${this.cfg.token}` } : {}), ...extra };
  }

  private signal(outer?: AbortSignal): AbortSignal {
    const t = AbortSignal.timeout(this.cfg.timeoutMs);
    return outer ? AbortSignal.any([t, outer]) : t;
  }

  async deliver(b: BatchDelivery, signal: AbortSignal): Promise<DeliveryOutcome> {
    let status: number;
    let text: string;
    try {
      const res = await fetch(this.url('/batches'), {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json', 'idempotency-key': b.idempotencyKey, 'x-content-sha256': b.sha256 }),
        body: JSON.stringify({
          idempotencyKey: b.idempotencyKey, connector: b.connectorId, dataset: b.dataset, version: b.version, batchNo: b.batchNo,
          count: b.records.length, sha256: b.sha256, records: b.records,
        }),
        signal: this.signal(signal),
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      return { kind: 'transient', status: null, error: networkError(e) };
    }
    if (status >= 200 && status < 300) {
      let body: AckBody;
      try {
        body = JSON.parse(text) as AckBody;
      } catch {
        return { kind: 'transient', status, error: `phản hồi HTTP ${status} không phải JSON` };
      }
      if (body.accepted === false) return { kind: 'rejected', status, reasonVi: rejectionReason(status, text), raw: text.slice(0, 4000) };
      return {
        kind: 'ack', duplicate: body.duplicate === true,
        count: typeof body.count === 'number' ? body.count : b.records.length, sha256: typeof body.sha256 === 'string' ? body.sha256 : null,
      };
    }
    if (status >= 500 || TRANSIENT_STATUS.has(status)) return { kind: 'transient', status, error: `HTTP ${status}` };
    if (REJECT_STATUS.has(status)) return { kind: 'rejected', status, reasonVi: rejectionReason(status, text), raw: text.slice(0, 4000) };
    return { kind: 'refused', status, error: `hệ thống đích từ chối yêu cầu (HTTP ${status}): kiểm tra địa chỉ và mã truy cập` };
  }

  async batchStatus(key: string, outer?: AbortSignal): Promise<{ count: number; sha256: string | null } | null> {
    const res = await fetch(this.url(`/batches/${encodeURIComponent(key)}`), { headers: this.headers(), signal: this.signal(outer) });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    const body = (await res.json()) as AckBody;
    return { count: Number(body.count ?? 0), sha256: body.sha256 ?? null };
  }

  async health(): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    try {
      const res = await fetch(this.url('/health'), { headers: this.headers(), signal: this.signal() });
      await res.body?.cancel();
      return { ok: res.ok, status: res.status, error: res.ok ? null : `HTTP ${res.status}` };
    } catch (e) {
      return { ok: false, status: null, error: networkError(e) };
    }
  }
}
