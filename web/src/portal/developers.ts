/**
 * The developer page's view of the API: issuing a key (its secret is returned once), the key
 * holder's own view and revocation — authenticated by the key itself, sent as CKAN clients send it
 * (`x-ckan-api-key`) — registering an application, and the published datasets to pick from.
 * Shapes are checked before they are trusted.
 */
import { apiFetch } from '../api.ts';
import { contractBreak, obj, type Obj } from '../shape.ts';

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const int = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** A developer key's secret: `pod_` then 32 base64url characters. */
export const KEY_PATTERN = /^pod_[A-Za-z0-9_-]{32}$/;

export interface IssuedKey {
  id: string;
  key: string;
  ratePerMinute: number;
  createdAt: string;
}

/** Issues a key; the secret in the answer is never shown again. @throws ApiError (VALIDATION_FAILED …) */
export async function createDeveloperKey(input: { name: string; email: string }): Promise<IssuedKey> {
  const r = obj(await apiFetch('/api/opendata/developers/keys', { method: 'POST', body: input }), 'key');
  const key = str(r.key);
  if (!key || !str(r.id)) throw contractBreak('key');
  return { id: String(r.id), key, ratePerMinute: int(r.ratePerMinute), createdAt: String(r.createdAt ?? '') };
}

export interface MyKey {
  id: string;
  prefix: string;
  name: string;
  email: string;
  ratePerMinute: number;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: 'holder' | 'editor' | null;
  callsToday: number;
  days: { day: string; calls: number }[];
}

function toMyKey(value: unknown): MyKey {
  const r = obj(value, 'my key');
  if (!str(r.id) || !str(r.prefix)) throw contractBreak('my key');
  return {
    id: String(r.id),
    prefix: String(r.prefix),
    name: String(r.name ?? ''),
    email: String(r.email ?? ''),
    ratePerMinute: int(r.ratePerMinute),
    createdAt: String(r.createdAt ?? ''),
    revokedAt: str(r.revokedAt),
    revokedBy: r.revokedBy === 'holder' || r.revokedBy === 'editor' ? r.revokedBy : null,
    callsToday: int(r.callsToday),
    days: (Array.isArray(r.days) ? r.days : []).map((d) => {
      const x = obj(d, 'usage day');
      return { day: String(x.day ?? ''), calls: int(x.calls) };
    }),
  };
}

/** The key whose secret is given, with its calls per day. @throws ApiError INVALID_API_KEY */
export async function getMyKey(secret: string, signal?: AbortSignal): Promise<MyKey> {
  return toMyKey(await apiFetch('/api/opendata/developers/keys/self', { headers: { 'x-ckan-api-key': secret }, signal }));
}

/** Revokes the key whose secret is given; the API refuses it from the next call. @throws ApiError INVALID_API_KEY */
export async function revokeMyKey(secret: string): Promise<MyKey> {
  return toMyKey(await apiFetch('/api/opendata/developers/keys/self', { method: 'DELETE', headers: { 'x-ckan-api-key': secret } }));
}

export interface AppInput {
  name: string;
  description: string;
  url: string;
  developerName: string;
  developerEmail: string;
  datasets: string[];
}

/** Registers an application; it is listed once an editor approves it. @throws ApiError VALIDATION_FAILED */
export async function registerApp(input: AppInput): Promise<{ id: string; state: string }> {
  const r = obj(await apiFetch('/api/opendata/apps', { method: 'POST', body: input }), 'app');
  return { id: String(r.id ?? ''), state: String(r.state ?? '') };
}

export interface DatasetChoice {
  name: string;
  title: string;
  titleEn: string | null;
  /** Its first resource, for the datastore_search example. */
  resourceId: string | null;
}

/** Every published dataset (name and titles), for the "datasets it uses" picker. */
export async function listDatasetChoices(signal?: AbortSignal): Promise<DatasetChoice[]> {
  const body = obj(await apiFetch('/api/3/action/package_search?rows=1000&sort=title_string%20asc', { signal }), 'package_search');
  const result = obj(body.result, 'package_search');
  if (!Array.isArray(result.results)) throw contractBreak('package_search');
  return result.results.map((p) => {
    const x = obj(p, 'package');
    const extras = Array.isArray(x.extras) ? (x.extras as Obj[]) : [];
    return {
      name: String(x.name ?? ''),
      title: String(x.title ?? x.name ?? ''),
      titleEn: str(extras.find((e) => e.key === 'title_en')?.value),
      resourceId: Array.isArray(x.resources) && x.resources.length ? str((x.resources[0] as Obj).id) : null,
    };
  });
}

export interface ShowcaseApp {
  id: string;
  name: string;
  description: string;
  url: string;
  developerName: string;
  datasets: string[];
}

/** The applications an editor approved (the public showcase; no e-mail is published). */
export async function listApprovedApps(signal?: AbortSignal): Promise<ShowcaseApp[]> {
  const list = await apiFetch('/api/opendata/apps', { signal });
  if (!Array.isArray(list)) throw contractBreak('apps');
  return list.map((a) => {
    const x = obj(a, 'app');
    return {
      id: String(x.id ?? ''),
      name: String(x.name ?? ''),
      description: String(x.description ?? ''),
      url: String(x.url ?? ''),
      developerName: String(x.developerName ?? ''),
      datasets: Array.isArray(x.datasets) ? x.datasets.map(String) : [],
    };
  });
}

/** Calls per minute of the public API: without a key (per client address) and with one. */
export async function getLimits(signal?: AbortSignal): Promise<{ anonymousPerMinute: number; keyPerMinute: number }> {
  const r = obj(await apiFetch('/api/opendata/developers/limits', { signal }), 'limits');
  return { anonymousPerMinute: int(r.anonymousPerMinute), keyPerMinute: int(r.keyPerMinute) };
}
