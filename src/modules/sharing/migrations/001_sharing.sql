-- LDOP (Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh): members are organisations; their information
-- systems (subsystems) hold credentials; services are exposed per subsystem; sharing agreements grant
-- a consumer subsystem access to a service; every exchange is appended to a hash-chained message log.

CREATE TABLE ldop_subsystems (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                 text NOT NULL REFERENCES organisations (id),
  code                   text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name                   text NOT NULL,
  owner_id               uuid REFERENCES users (id) ON DELETE SET NULL,
  environment            text NOT NULL DEFAULT 'production' CHECK (environment IN ('production', 'test')),
  status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'retired')),
  -- The platform's own warehouse subsystem of a member, created on demand to serve dataset services.
  managed                boolean NOT NULL DEFAULT false,
  rate_limit_per_minute  integer NOT NULL DEFAULT 600 CHECK (rate_limit_per_minute BETWEEN 1 AND 10000000),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, code)
);

-- Subsystem API keys (pdl_…): shown once, stored as SHA-256 (256-bit random, so a fast hash is safe).
CREATE TABLE ldop_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subsystem_id  uuid NOT NULL REFERENCES ldop_subsystems (id) ON DELETE CASCADE,
  name          text NOT NULL,
  prefix        text NOT NULL,
  key_hash      text NOT NULL UNIQUE,
  created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
CREATE INDEX ldop_keys_subsystem_idx ON ldop_keys (subsystem_id);

-- TLS client certificates registered per subsystem, by SHA-256 fingerprint of the DER encoding.
CREATE TABLE ldop_certificates (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subsystem_id  uuid NOT NULL REFERENCES ldop_subsystems (id) ON DELETE CASCADE,
  fingerprint   text NOT NULL UNIQUE CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  subject       text,
  not_after     timestamptz,
  created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);
CREATE INDEX ldop_certificates_subsystem_idx ON ldop_certificates (subsystem_id);

-- Services: a dataset read service (kind 'dataset', code 'dataset:<slug>'), a named parameterised
-- query over a dataset ('query'), or an external REST service the LDOP proxies ('rest').
CREATE TABLE ldop_services (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subsystem_id     uuid NOT NULL REFERENCES ldop_subsystems (id) ON DELETE CASCADE,
  org_id           text NOT NULL REFERENCES organisations (id),
  code             text NOT NULL CHECK (code ~ '^(dataset:)?[a-z0-9][a-z0-9-]{1,80}$'),
  kind             text NOT NULL CHECK (kind IN ('dataset', 'query', 'rest')),
  title            text NOT NULL,
  description      text,
  dataset_id       uuid,
  template         jsonb,
  params           jsonb NOT NULL DEFAULT '[]'::jsonb,
  fields           jsonb NOT NULL DEFAULT '[]'::jsonb,
  upstream_url     text,
  upstream_format  text CHECK (upstream_format IN ('json', 'xml', 'csv')),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  search           text NOT NULL DEFAULT '',
  UNIQUE (subsystem_id, code)
);
CREATE INDEX ldop_services_org_idx ON ldop_services (org_id);
CREATE INDEX ldop_services_dataset_idx ON ldop_services (dataset_id);
CREATE INDEX ldop_services_search_idx ON ldop_services USING gin (search gin_trgm_ops);

CREATE TABLE ldop_agreements (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  consumer_subsystem_id  uuid NOT NULL REFERENCES ldop_subsystems (id),
  consumer_org_id        text NOT NULL REFERENCES organisations (id),
  service_id             uuid NOT NULL REFERENCES ldop_services (id),
  provider_org_id        text NOT NULL REFERENCES organisations (id),
  status                 text NOT NULL CHECK (status IN ('requested', 'changes_requested', 'active', 'rejected', 'revoked', 'expired', 'withdrawn')),
  fields                 text[] NOT NULL,
  clear_fields           text[] NOT NULL DEFAULT '{}',   -- personal-data fields granted in clear
  masked_fields          text[] NOT NULL DEFAULT '{}',   -- further fields the provider masks
  row_filter             jsonb NOT NULL DEFAULT '[]'::jsonb,
  purpose                text NOT NULL,
  legal_basis            text NOT NULL,
  valid_from             timestamptz NOT NULL,
  valid_to               timestamptz NOT NULL,
  daily_row_limit        integer NOT NULL CHECK (daily_row_limit > 0),
  requested_by           uuid REFERENCES users (id) ON DELETE SET NULL,
  decided_by             uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ldop_agreements_lookup_idx ON ldop_agreements (consumer_subsystem_id, service_id, status);
CREATE INDEX ldop_agreements_provider_idx ON ldop_agreements (provider_org_id, status);
CREATE INDEX ldop_agreements_consumer_idx ON ldop_agreements (consumer_org_id, status);

-- Every step of an agreement, visible to both sides.
CREATE TABLE ldop_agreement_history (
  id            bigserial PRIMARY KEY,
  agreement_id  uuid NOT NULL REFERENCES ldop_agreements (id) ON DELETE CASCADE,
  at            timestamptz NOT NULL DEFAULT now(),
  action        text NOT NULL,
  actor_id      uuid,
  actor_name    text,
  actor_org_id  text,
  note          text,
  terms         jsonb NOT NULL
);
CREATE INDEX ldop_agreement_history_idx ON ldop_agreement_history (agreement_id, id);

-- Rows delivered per agreement per day, for the daily volume limit.
CREATE TABLE ldop_usage (
  agreement_id  uuid NOT NULL REFERENCES ldop_agreements (id) ON DELETE CASCADE,
  day           date NOT NULL,
  rows          bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agreement_id, day)
);

-- Request nonces seen per subsystem (replay protection when X-Request-Nonce is sent).
CREATE TABLE ldop_nonces (
  subsystem_id  uuid NOT NULL,
  nonce         text NOT NULL,
  seen_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subsystem_id, nonce)
);
CREATE INDEX ldop_nonces_seen_idx ON ldop_nonces (seen_at);

-- In-app notifications to an organisation (and optionally one user).
CREATE TABLE notifications (
  id          bigserial PRIMARY KEY,
  org_id      text NOT NULL REFERENCES organisations (id),
  user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
  kind        text NOT NULL,
  title       text NOT NULL,
  body        text,
  link        text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX notifications_org_idx ON notifications (org_id, id);

-- The message log (non-repudiation): hash = sha256(prev_hash || canonical row). Append-only.
CREATE TABLE ldop_message_log (
  id                     bigint PRIMARY KEY,
  at                     timestamptz NOT NULL,
  consumer_subsystem_id  uuid,
  consumer_org_id        text,
  provider_org_id        text,
  provider_subsystem     text,
  service_code           text,
  service_id             uuid,
  agreement_id           uuid,
  request_sha256         text NOT NULL,
  response_sha256        text NOT NULL,
  rows                   integer NOT NULL,
  status                 integer NOT NULL,
  error_code             text,
  latency_ms             double precision NOT NULL,
  request_id             text,
  prev_hash              text NOT NULL,
  hash                   text NOT NULL
);
CREATE INDEX ldop_message_log_consumer_idx ON ldop_message_log (consumer_org_id, at);
CREATE INDEX ldop_message_log_provider_idx ON ldop_message_log (provider_org_id, at);
CREATE INDEX ldop_message_log_service_idx ON ldop_message_log (service_id, at);
CREATE INDEX ldop_message_log_at_idx ON ldop_message_log (at);

CREATE FUNCTION ldop_message_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ldop_message_log is append-only';
END $$;
CREATE TRIGGER ldop_message_log_no_update BEFORE UPDATE OR DELETE ON ldop_message_log
  FOR EACH ROW EXECUTE FUNCTION ldop_message_log_append_only();

-- Public keys the platform signed checkpoints with (the private key stays in <dataDir>/keys/).
CREATE TABLE ldop_signing_keys (
  key_id          text PRIMARY KEY,
  public_key_pem  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Signed log heads: signature = Ed25519(key, "provdata-ldop-checkpoint/v1\n<last_id>\n<head_hash>\n<at>").
CREATE TABLE ldop_checkpoints (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL,
  last_id     bigint NOT NULL,
  head_hash   text NOT NULL,
  key_id      text NOT NULL REFERENCES ldop_signing_keys (key_id),
  signature   text NOT NULL
);

-- Webhook subscriptions of consumer subsystems to new versions of shared datasets.
CREATE TABLE ldop_webhooks (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subsystem_id  uuid NOT NULL REFERENCES ldop_subsystems (id) ON DELETE CASCADE,
  service_id    uuid NOT NULL REFERENCES ldop_services (id) ON DELETE CASCADE,
  url           text NOT NULL,
  -- HMAC secret: needed in clear to sign; shown once at creation.
  secret        text NOT NULL,
  active        boolean NOT NULL DEFAULT true,
  created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ldop_webhooks_service_idx ON ldop_webhooks (service_id);

CREATE TABLE ldop_webhook_deliveries (
  id               bigserial PRIMARY KEY,
  webhook_id       uuid NOT NULL REFERENCES ldop_webhooks (id) ON DELETE CASCADE,
  event_id         bigint NOT NULL,
  attempt          integer NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  response_status  integer,
  error            text
);
CREATE INDEX ldop_webhook_deliveries_idx ON ldop_webhook_deliveries (webhook_id, id);
