-- The personal-data gate, per version (issue 12, item 8): the portal serves a version — the live one
-- or an older one through `download?version=` — only when the gate passed it under the recognisers in
-- force (`rules`, PII_RULES in pii.ts). A proposal records its scan here; a version with no row for
-- the current rules (published before the rules changed) is scanned on demand before it is served.
CREATE TABLE opendata_version_checks (
  dataset_id  uuid NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  rules       integer NOT NULL,
  -- True only for a scan that read every row and found nothing.
  passed      boolean NOT NULL,
  scan        jsonb NOT NULL,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, version, rules)
);
