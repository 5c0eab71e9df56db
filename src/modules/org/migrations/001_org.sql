-- Organisations (the province, its agencies and its communes), users, sessions and API keys.
CREATE TABLE organisations (
  id          text PRIMARY KEY,                 -- stable slug: 'so-khcn', 'xa-21553'
  kind        text NOT NULL CHECK (kind IN ('province', 'agency', 'commune', 'external')),
  code        text,                             -- official code where one exists (commune code)
  name        text NOT NULL,
  name_en     text,
  short_name  text,
  parent_id   text REFERENCES organisations (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisations_kind_idx ON organisations (kind, name);

CREATE TABLE users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username            text NOT NULL,
  display_name        text NOT NULL,
  email               text,
  org_id              text NOT NULL REFERENCES organisations (id),
  role                text NOT NULL CHECK (role IN ('admin', 'steward', 'analyst', 'leader', 'viewer')),
  password_hash       text NOT NULL,
  disabled            boolean NOT NULL DEFAULT false,
  failed_logins       integer NOT NULL DEFAULT 0,
  locked_until        timestamptz,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_idx ON users (lower(username));

-- Only a hash of the session token is stored: a copy of the database does not yield live sessions.
CREATE TABLE sessions (
  token_hash   text PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  client_ip    text,
  user_agent   text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- API keys for systems: shown once, stored as SHA-256 (they are 256-bit random, so a fast hash is safe).
CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL,
  prefix        text NOT NULL,
  key_hash      text NOT NULL UNIQUE,
  scopes        text[],
  created_by    uuid REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);
