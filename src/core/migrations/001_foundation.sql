-- Foundation shared by every module: search extensions, the audit log, the event outbox and jobs.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Tone-folded, lower-case form of Vietnamese text ("Sản lượng Đắk" -> "san luong dak") for search
-- and matching. unaccent() is only STABLE; this wrapper names its dictionary so it can be IMMUTABLE
-- and used in indexes.
CREATE OR REPLACE FUNCTION provdata_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;

-- Append-only, hash-chained audit log: hash = sha256(prev_hash || canonical row). Rows are never
-- updated or deleted; the trigger below refuses it, and `provdata audit verify` detects any edit
-- made around it (for instance by a superuser who disabled the trigger).
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL,
  actor       text,
  actor_id    text,
  org_id      text,
  action      text NOT NULL,
  resource    text,
  outcome     text NOT NULL,
  status      integer,
  request_id  text,
  client_ip   text,
  details     jsonb,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_resource_idx ON audit_log (resource, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Transactional outbox: an event is inserted in the same transaction as the change it announces,
-- and one job per subscriber delivers it (at least once, with retries).
CREATE TABLE outbox_events (
  id          bigserial PRIMARY KEY,
  topic       text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_topic_idx ON outbox_events (topic, id);

CREATE TABLE jobs (
  id            bigserial PRIMARY KEY,
  queue         text NOT NULL,
  payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'dead')),
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL DEFAULT 8,
  run_at        timestamptz NOT NULL DEFAULT now(),
  locked_at     timestamptz,
  locked_by     text,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX jobs_ready_idx ON jobs (queue, run_at, id) WHERE status = 'pending';
CREATE INDEX jobs_running_idx ON jobs (locked_at) WHERE status = 'running';
