-- The columns a dataset is read by (access paths): declared when a sharing service or agreement
-- filters on them, when a dataset is published for CKAN filters, or for its key. Each becomes an
-- index on the dataset table, built as soon as the table exists; kept here because a service can be
-- defined before the first load creates the table, which then builds them with its other indexes.
CREATE TABLE warehouse_access_paths (
  dataset_id  uuid NOT NULL,
  column_name text NOT NULL,
  -- equality: b-tree on the column (eq, in, ranges, sort); prefix: b-tree on the folded text
  -- (startsWith, as the filter compares: without diacritics or case).
  kind        text NOT NULL CHECK (kind IN ('equality', 'prefix')),
  -- Who asked for it, e.g. 'sharing-service:<id>' (lineage for an operator deciding what to drop).
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, column_name, kind)
);
