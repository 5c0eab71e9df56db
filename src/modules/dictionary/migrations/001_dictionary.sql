-- Data dictionary (Từ điển dữ liệu, NV 3.1): shared data elements, code lists and the history of
-- every change. Elements are referenced by code from dataset schemas (catalog) and file headers
-- are matched against them (ingest), so codes are stable snake_case identifiers.

CREATE TABLE dict_code_lists (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,62}$'),
  name        text NOT NULL,
  name_en     text,
  description text,
  origin      text NOT NULL DEFAULT 'provincial' CHECK (origin IN ('national', 'provincial')),
  source      text,                                   -- legal or statistical source of the list
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dict_code_list_items (
  list_code   text NOT NULL REFERENCES dict_code_lists (code) ON DELETE CASCADE,
  code        text NOT NULL,
  label       text NOT NULL,
  label_en    text,
  sort        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (list_code, code)
);

CREATE TABLE dict_elements (
  code          text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  name          text NOT NULL,
  name_en       text,
  definition    text,
  type          text NOT NULL CHECK (type IN ('text', 'integer', 'number', 'date', 'boolean', 'geometry')),
  unit          text,
  code_list     text REFERENCES dict_code_lists (code),
  rules         jsonb NOT NULL DEFAULT '{}'::jsonb,
  personal_data text NOT NULL DEFAULT 'none' CHECK (personal_data IN ('none', 'basic', 'sensitive')),
  owner_org_id  text REFERENCES organisations (id),
  origin        text NOT NULL DEFAULT 'provincial' CHECK (origin IN ('national', 'provincial')),
  aliases       text[] NOT NULL DEFAULT '{}',
  status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'reviewed', 'approved', 'deprecated')),
  version       integer NOT NULL DEFAULT 1,
  created_by    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dict_elements_status_idx ON dict_elements (status, code);
-- Tone-folded names for the dictionary's own search box ("ma xa" finds "Mã xã").
CREATE INDEX dict_elements_fold_idx ON dict_elements USING gin (provdata_fold(name || ' ' || coalesce(name_en, '') || ' ' || code) gin_trgm_ops);

-- Who changed what and when. Rows are only ever appended by the service.
CREATE TABLE dict_element_history (
  id            bigserial PRIMARY KEY,
  element_code  text NOT NULL REFERENCES dict_elements (code) ON DELETE CASCADE,
  at            timestamptz NOT NULL DEFAULT now(),
  actor_id      text,
  actor         text,
  action        text NOT NULL CHECK (action IN ('create', 'update', 'review', 'approve', 'deprecate', 'import', 'seed')),
  from_status   text,
  to_status     text NOT NULL,
  version       integer NOT NULL,
  changes       jsonb NOT NULL DEFAULT '{}'::jsonb,   -- {field: {from, to}} for updates, the full element on create
  note          text
);
CREATE INDEX dict_element_history_code_idx ON dict_element_history (element_code, id);
