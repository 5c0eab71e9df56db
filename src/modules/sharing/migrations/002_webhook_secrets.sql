-- Webhook secrets are sealed at rest from now on (AES-256-GCM, core/secrets.ts), as national sync
-- tokens are: a database dump or a backup no longer hands out the keys that sign deliveries.
-- SQL has no access to the platform key, so rows written before stay as they are — still readable,
-- because unsealing passes unsealed text through — and this job seals them once the server runs.
COMMENT ON COLUMN ldop_webhooks.secret IS 'HMAC secret of the deliveries, sealed (sealed:v1:…) by core/secrets.ts; shown once at creation';
INSERT INTO jobs (queue, payload) VALUES ('ldop:seal-webhook-secrets', '{}');
