-- Developers on the open data portal (issue 5, Deliver 5): a key holder sees their own calls per day,
-- an editor sees every key's use and can revoke any key.
--
-- Calls per developer key and day. Written in batches by the same in-memory counter flush as
-- opendata_usage (one statement per second at most), never one write per API call.
CREATE TABLE opendata_key_usage (
  key_id  uuid NOT NULL REFERENCES opendata_api_keys (id) ON DELETE CASCADE,
  day     date NOT NULL,
  calls   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, day)
);

-- Who revoked a key: 'holder' when its own holder did, else the editor's user id — so the holder can
-- tell "I revoked it" from "an editor revoked it" (the audit log says why).
ALTER TABLE opendata_api_keys ADD COLUMN revoked_by text;

-- The editors' list, newest first.
CREATE INDEX opendata_api_keys_created_idx ON opendata_api_keys (created_at DESC, id);
