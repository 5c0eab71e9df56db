-- package_search as CKAN does it (issue 5), and a commune facet.
--
-- CKAN's Solr index searches `title^4 tags^2 groups^2 text` (the catch-all, notes included). The
-- search document of 001 had no groups: theme codes (`du-lich`, `cong-nghiep` — already tone-free)
-- now join the tags at weight B, so `q=du lich` also finds a package filed under the tourism theme.
--
-- Words joined by '/' ("xã/phường") are indexed as separate words, as Solr's WordDelimiter splits them.
--
-- The commune facet (`communes`, CKAN-style multi-valued field) needs the declared spatial coverage
-- as an indexed array, not buried in `meta`: the trigger copies `meta.spatial.communes` (empty for
-- province-wide packages) into `communes`.

ALTER TABLE opendata_packages ADD COLUMN communes text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION opendata_packages_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  -- '/' becomes a space: the text-search parser reads "xa/phuong" as one file-path token, so "xa" would not find it.
  t text := translate(provdata_fold(NEW.title || ' ' || coalesce(NEW.meta->>'titleEn', '')), '/', ' ');
  k text := translate(provdata_fold(array_to_string(NEW.tags, ' ') || ' ' || replace(array_to_string(NEW.groups, ' '), '-', ' ')), '/', ' ');
  d text := translate(provdata_fold(coalesce(NEW.notes, '') || ' ' || coalesce(NEW.meta->>'notesEn', '')), '/', ' ');
BEGIN
  NEW.search_title := t || ' ' || k;
  NEW.search_all := t || ' ' || k || ' ' || d;
  NEW.search_tsv := setweight(to_tsvector('simple', t), 'A') || setweight(to_tsvector('simple', k), 'B') || setweight(to_tsvector('simple', d), 'C');
  NEW.communes := CASE WHEN NEW.meta->'spatial'->>'scope' = 'communes' AND jsonb_typeof(NEW.meta->'spatial'->'communes') = 'array'
    THEN ARRAY(SELECT jsonb_array_elements_text(NEW.meta->'spatial'->'communes')) ELSE '{}'::text[] END;
  RETURN NEW;
END $$;

-- Recompute every existing row through the trigger above.
UPDATE opendata_packages SET title = title;

CREATE INDEX opendata_packages_communes_idx ON opendata_packages USING gin (communes);
-- `sort=title_string asc` (the portal's "A–Z") reads the first page from an index, not a sort of every row.
CREATE INDEX opendata_packages_title_idx ON opendata_packages (title, name);
