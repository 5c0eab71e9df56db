-- Failed logins are counted per account AND client address: with one counter per account, anyone
-- could lock the administrator out with five wrong passwords. A name is counted as typed (lower
-- case) whether or not the account exists, so the answers do not tell which accounts exist.
-- users.locked_until now only says that some address is locked out of the account (shown to
-- administrators); logins never read it.
CREATE TABLE login_failures (
  username      text NOT NULL,
  client_ip     text NOT NULL,
  failures      integer NOT NULL,
  locked_until  timestamptz,
  last_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (username, client_ip)
);
CREATE INDEX login_failures_last_idx ON login_failures (last_at);

UPDATE users SET failed_logins = 0, locked_until = NULL;
