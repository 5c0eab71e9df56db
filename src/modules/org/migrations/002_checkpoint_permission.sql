-- Signing the LDOP message log's checkpoint was checked as `audit:read`, a name that says it reads
-- the audit log; it now has its own permission, `sharing:checkpoint`. API keys an administrator
-- limited to `audit:read` keep what they could do.
UPDATE api_keys SET scopes = array_append(scopes, 'sharing:checkpoint')
 WHERE 'audit:read' = ANY (scopes) AND NOT ('sharing:checkpoint' = ANY (scopes));
