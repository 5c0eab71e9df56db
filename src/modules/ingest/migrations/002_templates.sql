-- A steward's decisions about the rows of a report template ("load the 'Toàn tỉnh' row", "leave
-- this row out"), remembered per organisation and template so that the next file of the same
-- template is read the same way. A template is known by a fingerprint of its header.
CREATE TABLE ingest_templates (
  org_id       text NOT NULL,
  fingerprint  text NOT NULL,
  overrides    jsonb NOT NULL,
  updated_by   uuid,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, fingerprint)
);
