import { Type } from 'typebox';
import { ROLES } from '../../core/auth/index.js';

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Username = Type.String({ pattern: '^[A-Za-z0-9._-]{2,64}$', description: 'Tên đăng nhập / user name' });
const Uuid = Type.String({ pattern: '^[0-9a-fA-F-]{36}$' });

export const Org = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  code: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  nameEn: Type.Union([Type.String(), Type.Null()]),
  shortName: Type.Union([Type.String(), Type.Null()]),
  parentId: Type.Union([Type.String(), Type.Null()]),
});

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  orgId: Type.String(),
  role: Type.String(),
  disabled: Type.Boolean(),
  locked: Type.Boolean(),
  createdAt: Type.String(),
});

export const Me = Type.Object({
  user: Type.Object({
    id: Type.Union([Type.String(), Type.Null()]),
    username: Type.Union([Type.String(), Type.Null()]),
    displayName: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.String(), Type.Null()]),
    orgId: Type.Union([Type.String(), Type.Null()]),
    permissions: Type.Array(Type.String()),
    via: Type.String(),
  }),
  csrfToken: Type.Union([Type.String(), Type.Null()]),
});

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const OrgListQuery = Type.Object({
  kind: Type.Optional(Type.Union([Type.Literal('province'), Type.Literal('agency'), Type.Literal('commune'), Type.Literal('external')])),
});
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const CreateOrgBody = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }),
    kind: Type.Union([Type.Literal('agency'), Type.Literal('external')]),
    name: Type.String({ minLength: 2, maxLength: 200 }),
    nameEn: Type.Optional(Type.String({ maxLength: 200 })),
    shortName: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
export const UpdateOrgBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
    nameEn: Type.Optional(Type.String({ maxLength: 200 })),
    shortName: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const CreateUserBody = Type.Object(
  {
    username: Username,
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 200 }), Type.Null()])),
    orgId: Type.String({ minLength: 1, maxLength: 100 }),
    role: Role,
    password: Type.Optional(Type.String({ minLength: 12, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export const UpdateUserBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 200 }), Type.Null()])),
    orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(Role),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const PasswordBody = Type.Object(
  {
    current: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.Optional(Type.String({ minLength: 12, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export const UserIdParams = Type.Object({ id: Uuid });

export const ApiKey = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  username: Type.Optional(Type.String()),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    userId: Type.Optional(Uuid),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
