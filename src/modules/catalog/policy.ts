import type { Principal } from '../../core/auth/index.js';

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
