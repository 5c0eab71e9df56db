import { can, type Principal } from '../../core/auth/index.js';
import type { Dataset } from './model.js';

/**
 * Who may see a dataset's metadata, compiled into an SQL condition (as magda and backstage do)
 * so that lists, searches, facets and single reads all filter in the database and a row the caller
 * may not see never leaves it:
 * - `open`: everyone, anonymous included;
 * - `shared`: every logged-in caller (users and API keys);
 * - `private`: the publisher agency, the dataset's owner and steward, and administrators.
 *
 * `next` is the number of the first free bind parameter; the values to bind are returned with it.
 * The condition refers to the columns of `catalog_datasets` under the alias `d`.
 */
export function visibleTo(p: Principal, next: number): { sql: string; params: unknown[] } {
  if (p.kind === 'system' || (p.role === 'admin' && p.kind !== 'anonymous')) return { sql: 'TRUE', params: [] };
  if (p.kind === 'anonymous' || !p.role) return { sql: "d.access = 'open'", params: [] };
  return {
    sql: `(d.access IN ('open', 'shared') OR d.publisher_org_id = $${next} OR d.owner_id::text = $${next + 1} OR d.steward_id::text = $${next + 1})`,
    params: [p.orgId ?? '', p.id ?? ''],
  };
}

/** What a caller may do with a dataset's content (rows, versions, diffs, exports), beyond seeing its metadata. */
export type ContentAccess =
  | { read: true; unmasked: boolean }
  | { read: false };

/**
 * Who may read a dataset's CONTENT: its rows, versions, diffs and every export of them. Metadata
 * visibility ({@link visibleTo}) is wider: a `shared` dataset is listed for every signed-in caller so
 * that other agencies can find it and ask for it, but its rows go to another agency only through an
 * LDOP agreement (the gateway applies the agreement's fields, row filter, volume and message log).
 * - the owning agency (publisher organisation, the dataset's owner and steward): every access class;
 * - another agency: `open` datasets only;
 * - administrators: every dataset, to operate the platform (loads, support); each read is audited
 *   like any other and, outside their own agency, personal data stays masked;
 * - the platform itself (CLI, jobs): everything.
 *
 * Personal-data columns are unmasked only for the owning agency's callers holding `data:personal`.
 * The caller must already hold `data:read` and see the dataset; this decides only what follows.
 */
export function contentAccess(p: Principal, ds: Pick<Dataset, 'access' | 'publisherOrgId' | 'ownerId' | 'stewardId'>): ContentAccess {
  if (p.kind === 'system') return { read: true, unmasked: true };
  if (p.kind === 'anonymous' || !p.role) return ds.access === 'open' ? { read: true, unmasked: false } : { read: false };
  const owning = (!!p.orgId && p.orgId === ds.publisherOrgId) || (!!p.id && (p.id === ds.ownerId || p.id === ds.stewardId));
  if (owning) return { read: true, unmasked: can(p, 'data:personal') };
  if (ds.access === 'open' || p.role === 'admin') return { read: true, unmasked: false };
  return { read: false };
}
