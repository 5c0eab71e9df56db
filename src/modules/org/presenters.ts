import type { ApiKeyRow, OrgRow, UserRow } from './store.js';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

/** What leaves the server about an organisation. */
export const presentOrg = (o: OrgRow) => ({
  id: o.id, kind: o.kind, code: o.code, name: o.name, nameEn: o.name_en, shortName: o.short_name, parentId: o.parent_id,
});

/** What leaves the server about a user: never the password hash or failure counters. */
export const presentUser = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  displayName: u.display_name,
  email: u.email,
  orgId: u.org_id,
  role: u.role,
  disabled: u.disabled,
  locked: !!u.locked_until && new Date(u.locked_until).getTime() > Date.now(),
  createdAt: new Date(u.created_at).toISOString(),
});

/** An API key without its secret (which is never stored). */
export const presentApiKey = (k: ApiKeyRow & { username?: string }) => ({
  id: k.id,
  userId: k.user_id,
  ...(k.username ? { username: k.username } : {}),
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdAt: new Date(k.created_at).toISOString(),
  expiresAt: iso(k.expires_at),
  revokedAt: iso(k.revoked_at),
  lastUsedAt: iso(k.last_used_at),
});
