-- The shared data warehouse (Kho dữ liệu dùng chung). Each dataset's rows live in their own typed
-- table `wh.ds_<dataset id without dashes>`, created by the warehouse service when the first load
-- arrives (its columns follow the dataset schema, so they cannot be written here). A row carries the
-- versions it is valid for, [_version_from, _version_to), so every version stays readable as of its
-- number without copying unchanged rows.
CREATE SCHEMA IF NOT EXISTS wh;

-- One row per accepted load: versions are numbered 1, 2, 3 … per dataset and never change.
CREATE TABLE warehouse_versions (
  dataset_id   uuid NOT NULL,
  version      integer NOT NULL CHECK (version > 0),
  mode         text NOT NULL CHECK (mode IN ('replace', 'append', 'upsert')),
  rows_loaded  bigint NOT NULL,
  row_count    bigint NOT NULL,
  added        bigint NOT NULL,
  removed      bigint NOT NULL,
  -- The dataset schema and key the version was loaded with (lineage, and the key check of upserts).
  columns      jsonb NOT NULL,
  key_columns  jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Lineage: { uploadId, sha256, filename } of the file the version came from.
  source       jsonb,
  PRIMARY KEY (dataset_id, version)
);
