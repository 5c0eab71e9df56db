-- Outbound synchronisation to the 13 key national databases (NV 3.2): targets (one per national
-- database, configured by an administrator), connectors (dataset → target with a declarative
-- mapping), runs (one per connector and dataset version), batches (the unit of idempotent delivery)
-- and the dead-letter queue of batches a target refused.
CREATE TABLE sync_targets (
  code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,62}$'),
  ordinal      integer NOT NULL,
  name         text NOT NULL,
  name_en      text NOT NULL,
  enabled      boolean NOT NULL DEFAULT false,
  base_url     text,
  -- Bearer token sent to the target. Never logged, never returned by the API (only whether one is set).
  auth_token   text,
  batch_size   integer NOT NULL DEFAULT 500 CHECK (batch_size BETWEEN 1 AND 10000),
  timeout_ms   integer NOT NULL DEFAULT 30000 CHECK (timeout_ms BETWEEN 100 AND 600000),
  updated_by   uuid,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Seeded disabled: an operator sets the URL and token the national system gives the province.
INSERT INTO sync_targets (code, ordinal, name, name_en) VALUES
  ('dat-dai', 1, 'CSDL quốc gia về Đất đai', 'National land database'),
  ('tai-chinh', 2, 'CSDL quốc gia về Tài chính', 'National finance database'),
  ('giao-duc-dao-tao', 3, 'CSDL quốc gia về Giáo dục và Đào tạo', 'National education and training database'),
  ('ho-tich-dien-tu', 4, 'CSDL Hộ tịch điện tử', 'Electronic civil status database'),
  ('y-te', 5, 'CSDL quốc gia về Y tế', 'National health database'),
  ('hoa-chat', 6, 'CSDL quốc gia về Hóa chất', 'National chemicals database'),
  ('hoat-dong-xay-dung', 7, 'CSDL quốc gia về Hoạt động xây dựng', 'National construction activities database'),
  ('kiem-soat-tai-san-thu-nhap', 8, 'CSDL quốc gia về Kiểm soát tài sản, thu nhập', 'National asset and income control database'),
  ('xu-ly-vi-pham-hanh-chinh', 9, 'CSDL quốc gia về Xử lý vi phạm hành chính', 'National administrative violations database'),
  ('nong-nghiep', 10, 'CSDL quốc gia về Nông nghiệp', 'National agriculture database'),
  ('an-sinh-xa-hoi', 11, 'CSDL quốc gia về An sinh xã hội', 'National social welfare database'),
  ('to-chuc-dang-can-bo', 12, 'CSDL về Tổ chức Đảng, đảng viên, cán bộ, công chức, viên chức', 'Party organisations, members, officials and public employees database'),
  ('ban-an-quyet-dinh-toa-an', 13, 'CSDL về Bản án, quyết định của Tòa án', 'Court judgments and decisions database');

CREATE TABLE sync_connectors (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The catalogue owns datasets; no foreign key across modules (a deleted dataset leaves an orphan the service reports).
  dataset_id   uuid NOT NULL,
  target_code  text NOT NULL REFERENCES sync_targets (code),
  mapping      jsonb NOT NULL,
  enabled      boolean NOT NULL DEFAULT true,
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, target_code)
);

-- One run per connector and dataset version. batch_size is fixed when the run is created so that
-- batch boundaries (and therefore idempotency keys) never move when a run resumes.
CREATE TABLE sync_runs (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  connector_id   uuid NOT NULL REFERENCES sync_connectors (id) ON DELETE CASCADE,
  version        integer NOT NULL,
  status         text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'done', 'partial', 'failed')),
  batch_size     integer NOT NULL,
  rows_total     bigint NOT NULL,
  batches_total  integer NOT NULL,
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  lease_until    timestamptz,
  trigger        text NOT NULL DEFAULT 'event',
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  UNIQUE (connector_id, version)
);
CREATE INDEX sync_runs_status_idx ON sync_runs (status);

CREATE TABLE sync_batches (
  run_id           uuid NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
  batch_no         integer NOT NULL,
  idempotency_key  text NOT NULL UNIQUE,
  first_row        bigint NOT NULL,
  row_count        integer NOT NULL,
  sha256           text NOT NULL,
  status           text NOT NULL CHECK (status IN ('sending', 'acknowledged', 'dead', 'discarded')),
  attempts         integer NOT NULL DEFAULT 0,
  acks             integer NOT NULL DEFAULT 0,     -- acknowledgements received
  -- Acknowledgements of a batch the target already had (after a timeout, a reset, a restart) or we had
  -- already recorded: harmless, counted for the reconciliation report.
  duplicate_acks   integer NOT NULL DEFAULT 0,
  ack_count        integer,
  ack_sha256       text,
  last_error       text,
  first_sent_at    timestamptz,
  last_sent_at     timestamptz,
  acked_at         timestamptz,
  PRIMARY KEY (run_id, batch_no)
);

CREATE TABLE sync_dead_letters (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id        uuid NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
  batch_no      integer NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('rejected', 'mapping')),
  http_status   integer,
  reason_vi     text NOT NULL,
  raw           text,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'retried', 'discarded')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  resolved_by   uuid
);
CREATE INDEX sync_dead_letters_open_idx ON sync_dead_letters (status, created_at);
CREATE INDEX sync_dead_letters_run_idx ON sync_dead_letters (run_id, batch_no);
