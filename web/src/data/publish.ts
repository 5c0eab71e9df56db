/**
 * The publishing workflow of the open data portal, as the data pages use it: a steward proposes a
 * version (the server scans it for personal data at once), an approver publishes or rejects it, and
 * a published dataset can be taken down again with its history kept.
 */
import { apiFetch } from '../api.ts';
import { contractBreak } from '../shape.ts';

export type PublicationState = 'blocked' | 'pending' | 'published' | 'rejected' | 'withdrawn' | 'superseded' | 'unpublished';

export interface Finding {
  column: string;
  kinds: string[];
  matches: number;
  example: string | null;
}

export interface Publication {
  id: string;
  datasetId: string;
  version: number;
  state: PublicationState;
  scan: { rowsScanned: number; complete: boolean; findings: Finding[] };
  proposedBy: string | null;
  proposedByName?: string | null;
  proposedAt: string;
  note: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  publishedAt: string | null;
}

export interface QueueItem extends Publication {
  dataset: { slug: string; title: string; publisherOrgId: string };
}

function publication(value: unknown): Publication {
  const v = value as Partial<Publication> | null;
  if (!v || typeof v.id !== 'string' || typeof v.state !== 'string' || typeof v.version !== 'number' || !v.scan || !Array.isArray(v.scan.findings)) {
    throw contractBreak('publication');
  }
  return v as Publication;
}

function list<T>(value: unknown, item: (x: unknown) => T): T[] {
  if (!Array.isArray(value)) throw contractBreak('publications');
  return value.map(item);
}

const ds = (slug: string) => `/api/opendata/datasets/${encodeURIComponent(slug)}`;
const pub = (id: string) => `/api/opendata/publications/${encodeURIComponent(id)}`;

/** Every proposal and publication of a dataset, newest first (stewards and approvers of its agency). */
export async function listPublications(slug: string, signal?: AbortSignal): Promise<Publication[]> {
  return list(await apiFetch(`${ds(slug)}/publications`, { signal }), publication);
}

/** The approvers' queue: proposals waiting for a decision (pending, and blocked ones to reject). */
export async function publicationQueue(signal?: AbortSignal): Promise<QueueItem[]> {
  return list(await apiFetch('/api/opendata/publications', { signal }), (x) => {
    const p = publication(x) as QueueItem;
    if (!p.dataset || typeof p.dataset.slug !== 'string') throw contractBreak('queue');
    return p;
  });
}

/** @throws ApiError VALIDATION_FAILED when the dataset is not open, has no licence or no version. */
export async function proposePublication(slug: string, version: number, note: string): Promise<Publication> {
  return publication(await apiFetch(`${ds(slug)}/proposals`, { method: 'POST', body: { version, note: note || null } }));
}

/** @throws ApiError CONFLICT when the proposal is blocked by personal data or was decided meanwhile. */
export async function approvePublication(id: string, note: string): Promise<Publication> {
  return publication(await apiFetch(`${pub(id)}/approve`, { method: 'POST', body: { note: note || null } }));
}

export async function rejectPublication(id: string, note: string): Promise<Publication> {
  return publication(await apiFetch(`${pub(id)}/reject`, { method: 'POST', body: { note } }));
}

export async function unpublishDataset(slug: string, note: string): Promise<Publication> {
  return publication(await apiFetch(`${ds(slug)}/unpublish`, { method: 'POST', body: { note: note || null } }));
}
