-- Catalogue of datasets (Danh mục CSDL, NV 1.2): DCAT-AP-shaped metadata, the Law on Data classes,
-- the column schema bound to the dictionary, and the latest version/quality noted by ingestion.
CREATE TABLE catalog_datasets (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug               text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,80}$'),
  title              text NOT NULL,
  title_en           text,
  description        text,
  description_en     text,
  keywords           text[] NOT NULL DEFAULT '{}',
  themes             text[] NOT NULL DEFAULT '{}',
  publisher_org_id   text NOT NULL REFERENCES organisations (id),
  contact_name       text,
  contact_email      text,
  spatial_communes   text[],                        -- NULL: the whole province; else commune codes
  temporal_start     date,
  temporal_end       date,
  update_frequency   text NOT NULL DEFAULT 'irregular'
                     CHECK (update_frequency IN ('daily', 'weekly', 'monthly', 'quarterly', 'semiannual', 'annual', 'irregular', 'never')),
  licence            text NOT NULL DEFAULT 'none',
  access_rights      text,                          -- conditions of access, in words (dct:accessRights note)
  importance         text NOT NULL DEFAULT 'other' CHECK (importance IN ('core', 'important', 'other')),
  access             text NOT NULL DEFAULT 'private' CHECK (access IN ('open', 'shared', 'private')),
  personal_data      boolean NOT NULL DEFAULT false,
  owner_id           uuid REFERENCES users (id) ON DELETE SET NULL,
  steward_id         uuid REFERENCES users (id) ON DELETE SET NULL,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('planned', 'active', 'retired')),
  planned_completion text,                          -- deadline as the source states it ("2027", "2028-2030 …")
  source_ref         text,                          -- where a planned entry comes from (decision, appendix, row)
  columns            jsonb NOT NULL DEFAULT '[]'::jsonb,
  schema_version     integer NOT NULL DEFAULT 0,
  latest_version     integer,
  last_loaded_at     timestamptz,
  row_count          bigint,
  quality            jsonb,
  created_by         uuid,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- Search columns, kept by the trigger below: tone-folded text (provdata_fold) so that
  -- "san luong" finds "Sản lượng", weighted title > keywords > description.
  search_title       text NOT NULL DEFAULT '',
  search_all         text NOT NULL DEFAULT '',
  search_tsv         tsvector NOT NULL DEFAULT ''::tsvector
);

CREATE FUNCTION catalog_datasets_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t text := provdata_fold(NEW.title || ' ' || coalesce(NEW.title_en, ''));
  k text := provdata_fold(array_to_string(NEW.keywords, ' '));
  d text := provdata_fold(coalesce(NEW.description, '') || ' ' || coalesce(NEW.description_en, ''));
BEGIN
  NEW.search_title := t || ' ' || k;
  NEW.search_all := t || ' ' || k || ' ' || d;
  NEW.search_tsv := setweight(to_tsvector('simple', t), 'A') || setweight(to_tsvector('simple', k), 'B') || setweight(to_tsvector('simple', d), 'C');
  RETURN NEW;
END $$;
CREATE TRIGGER catalog_datasets_search BEFORE INSERT OR UPDATE ON catalog_datasets
  FOR EACH ROW EXECUTE FUNCTION catalog_datasets_search();

CREATE INDEX catalog_datasets_tsv_idx ON catalog_datasets USING gin (search_tsv);
CREATE INDEX catalog_datasets_trgm_idx ON catalog_datasets USING gin (search_all gin_trgm_ops);
CREATE INDEX catalog_datasets_publisher_idx ON catalog_datasets (publisher_org_id);
CREATE INDEX catalog_datasets_themes_idx ON catalog_datasets USING gin (themes);
