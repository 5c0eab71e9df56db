-- Raw uploads (bytes live content-addressed in the object store and are never modified), ingestion
-- runs with their quality report, and the rejected rows of each run.
CREATE TABLE ingest_uploads (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sha256        text NOT NULL,
  size          bigint NOT NULL,
  filename      text NOT NULL,
  content_type  text,
  uploaded_by   uuid,
  org_id        text,
  uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_uploads_sha_idx ON ingest_uploads (sha256);

CREATE TABLE ingest_runs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id       uuid NOT NULL,
  upload_id        uuid NOT NULL REFERENCES ingest_uploads (id),
  status           text NOT NULL CHECK (status IN ('loaded', 'rejected', 'failed')),
  mode             text NOT NULL CHECK (mode IN ('replace', 'append', 'upsert')),
  valid_rows_only  boolean NOT NULL DEFAULT false,
  version          integer,
  format           text,
  encoding         text,
  sheet            text,
  rows_read        integer NOT NULL DEFAULT 0,
  rows_loaded      integer NOT NULL DEFAULT 0,
  rows_rejected    integer NOT NULL DEFAULT 0,
  mapping          jsonb,
  quality          jsonb,
  error            jsonb,
  created_by       uuid,
  org_id           text,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_runs_dataset_idx ON ingest_runs (dataset_id, created_at DESC);

CREATE TABLE ingest_rejects (
  run_id     uuid NOT NULL REFERENCES ingest_runs (id) ON DELETE CASCADE,
  seq        integer NOT NULL,
  line       integer NOT NULL,
  column_name text,
  value      text,
  reason_vi  text NOT NULL,
  reason_en  text NOT NULL,
  PRIMARY KEY (run_id, seq)
);
