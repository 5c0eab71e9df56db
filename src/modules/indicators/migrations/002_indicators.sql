-- The semantic layer: indicators defined once (formula over a warehouse dataset, or an expression
-- over other indicators), with their targets, and their pre-aggregations.
CREATE TABLE indicators_definitions (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,62}$'),
  -- The whole definition as validated by the service (schema.ts IndicatorInput): one document, so a
  -- new attribute needs no migration.
  definition  jsonb NOT NULL,
  -- Source dataset (null for derived indicators): a new version of it refreshes the pre-aggregation.
  dataset_id  uuid,
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX indicators_definitions_dataset ON indicators_definitions (dataset_id);

-- Pre-aggregation of an indicator at its own grain: one row per native period and combination of
-- dimension values (d1..d3 in the order of the definition's dimensions). s and n are the sum and the
-- count (or numerator and denominator) of the formula, so that every coarser grain and every subset
-- of dimensions is a GROUP BY of this table; k is the value counted by a count-distinct formula.
CREATE TABLE indicators_preagg (
  code     text NOT NULL,
  period   date NOT NULL,
  d1       text,
  d2       text,
  d3       text,
  k        text,
  s        double precision,
  n        double precision
);
CREATE INDEX indicators_preagg_code_period ON indicators_preagg (code, period);

-- Which version of its dataset each pre-aggregation was built from (the answer's provenance).
CREATE TABLE indicators_preagg_state (
  code          text PRIMARY KEY,
  dataset_id    uuid NOT NULL,
  version       integer NOT NULL,
  row_count     integer NOT NULL,
  refreshed_at  timestamptz NOT NULL DEFAULT now()
);
