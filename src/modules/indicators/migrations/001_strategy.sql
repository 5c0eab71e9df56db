-- Monitoring of the Data Strategy's items (Appendices 1–4: targets, tasks, databases, projects).
-- Their text is the seed's transcription shipped with the code (strategy-data.json); only what
-- changes over time lives here: the current status and progress, and every update as history.
CREATE TABLE indicators_strategy_status (
  kind        text NOT NULL CHECK (kind IN ('target', 'task', 'database', 'project')),
  code        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed', 'at_risk')),
  progress    smallint NOT NULL CHECK (progress BETWEEN 0 AND 100),
  updated_by  uuid,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, code)
);

-- Append-only history: one row per update, with the comment and evidence given for it.
CREATE TABLE indicators_strategy_updates (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL,
  code        text NOT NULL,
  status      text NOT NULL,
  progress    smallint NOT NULL,
  comment     text,
  -- [{title, url}] links to documents or datasets that show the progress claimed.
  evidence    jsonb NOT NULL DEFAULT '[]',
  actor_id    uuid,
  actor_org   text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX indicators_strategy_updates_item ON indicators_strategy_updates (kind, code, created_at DESC);
