-- Open data portal (Cổng dữ liệu mở). The public never reads the catalogue directly: a dataset
-- reaches the portal, the CKAN API and the DCAT-AP catalogue only through an approved publication,
-- whose metadata is copied into `opendata_packages` at publication time (a snapshot, so what the
-- public sees is exactly what the approver approved).

-- Every proposal, with its state history kept: nothing is deleted when a dataset is unpublished.
--   scanning → blocked (personal data found) | pending → published → superseded | unpublished
--   pending → rejected; blocked/pending → withdrawn
CREATE TABLE opendata_publications (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id      uuid NOT NULL,
  version         integer NOT NULL CHECK (version > 0),
  state           text NOT NULL CHECK (state IN ('blocked', 'pending', 'published', 'rejected', 'withdrawn', 'superseded', 'unpublished')),
  -- The personal-data scan of the version: { rowsScanned, complete, findings: [{ column, kinds, … }] }.
  scan            jsonb NOT NULL,
  proposed_by     uuid,
  proposed_at     timestamptz NOT NULL DEFAULT now(),
  note            text,
  decided_by      uuid,
  decided_at      timestamptz,
  decision_note   text,
  published_at    timestamptz,
  unpublished_by  uuid,
  unpublished_at  timestamptz
);
CREATE INDEX opendata_publications_dataset_idx ON opendata_publications (dataset_id, proposed_at DESC);
-- At most one live publication per dataset.
CREATE UNIQUE INDEX opendata_publications_live_idx ON opendata_publications (dataset_id) WHERE state = 'published';

-- The public snapshot of each published dataset (one row per dataset, removed on unpublish).
CREATE TABLE opendata_packages (
  dataset_id        uuid PRIMARY KEY,
  publication_id    uuid NOT NULL REFERENCES opendata_publications (id),
  name              text NOT NULL UNIQUE,
  title             text NOT NULL,
  notes             text,
  org_id            text NOT NULL,
  tags              text[] NOT NULL DEFAULT '{}',
  groups            text[] NOT NULL DEFAULT '{}',
  formats           text[] NOT NULL DEFAULT '{}',
  license_id        text NOT NULL,
  version           integer NOT NULL,
  -- Everything else package_show, the portal and DCAT-AP need (titles in English, columns, quality …).
  meta              jsonb NOT NULL,
  metadata_created  timestamptz NOT NULL,
  metadata_modified timestamptz NOT NULL,
  -- Search columns, as in the catalogue: tone-folded (provdata_fold) so "du lich" finds "Du lịch".
  search_title      text NOT NULL DEFAULT '',
  search_all        text NOT NULL DEFAULT '',
  search_tsv        tsvector NOT NULL DEFAULT ''::tsvector
);

CREATE FUNCTION opendata_packages_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t text := provdata_fold(NEW.title || ' ' || coalesce(NEW.meta->>'titleEn', ''));
  k text := provdata_fold(array_to_string(NEW.tags, ' '));
  d text := provdata_fold(coalesce(NEW.notes, '') || ' ' || coalesce(NEW.meta->>'notesEn', ''));
BEGIN
  NEW.search_title := t || ' ' || k;
  NEW.search_all := t || ' ' || k || ' ' || d;
  NEW.search_tsv := setweight(to_tsvector('simple', t), 'A') || setweight(to_tsvector('simple', k), 'B') || setweight(to_tsvector('simple', d), 'C');
  RETURN NEW;
END $$;
CREATE TRIGGER opendata_packages_search BEFORE INSERT OR UPDATE ON opendata_packages
  FOR EACH ROW EXECUTE FUNCTION opendata_packages_search();
CREATE INDEX opendata_packages_tsv_idx ON opendata_packages USING gin (search_tsv);
CREATE INDEX opendata_packages_trgm_idx ON opendata_packages USING gin (search_all gin_trgm_ops);
CREATE INDEX opendata_packages_tags_idx ON opendata_packages USING gin (tags);
CREATE INDEX opendata_packages_groups_idx ON opendata_packages USING gin (groups);
CREATE INDEX opendata_packages_org_idx ON opendata_packages (org_id);
CREATE INDEX opendata_packages_modified_idx ON opendata_packages (metadata_modified DESC, name);

-- CKAN resources: one per download format of a dataset. Ids stay stable across publications so
-- that clients' bookmarks of a resource keep working after a new version is published.
CREATE TABLE opendata_resources (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id  uuid NOT NULL,
  format      text NOT NULL CHECK (format IN ('CSV', 'JSON', 'XLSX', 'GeoJSON')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, format)
);

-- Usage per dataset and day, incremented in batches from memory (never one write per request).
CREATE TABLE opendata_usage (
  dataset_id  uuid NOT NULL,
  day         date NOT NULL,
  views       bigint NOT NULL DEFAULT 0,
  downloads   bigint NOT NULL DEFAULT 0,
  api_calls   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (dataset_id, day)
);

-- Self-service keys for the public API: only a SHA-256 of the key is kept.
CREATE TABLE opendata_api_keys (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  prefix          text NOT NULL,
  key_hash        text NOT NULL UNIQUE,
  name            text NOT NULL,
  email           text NOT NULL,
  rate_per_minute integer NOT NULL CHECK (rate_per_minute > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at      timestamptz
);

-- Application showcase (KPI B.4): registered by developers, approved by an editor.
CREATE TABLE opendata_apps (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL,
  description     text NOT NULL,
  url             text NOT NULL,
  developer_name  text NOT NULL,
  developer_email text NOT NULL,
  datasets        text[] NOT NULL DEFAULT '{}',
  state           text NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted', 'approved', 'rejected')),
  reviewed_by     uuid,
  reviewed_at     timestamptz,
  review_note     text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opendata_apps_state_idx ON opendata_apps (state, created_at DESC);
