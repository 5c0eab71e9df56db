import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './index.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The problems loadConfig reports for an environment (none: []). */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
}

describe('configuration', () => {
  test('an empty environment gives the documented defaults, frozen', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.equal(c.databaseUrl, null);
    assert.equal(c.dbPoolMax, 10);
    assert.equal(c.adminUser, 'admin');
    assert.equal(c.adminPassword, null);
    assert.equal(c.seedDemo, true);
    assert.equal(c.sessionHours, 12);
    assert.equal(c.cookieSecure, 'auto');
    assert.equal(c.loginMaxFailures, 5);
    assert.equal(c.loginLockMinutes, 15);
    assert.equal(c.loginRatePerMinute, 20);
    assert.deepEqual(c.trustProxy, []);
    assert.equal(c.logLevel, 'info');
    assert.ok(Object.isFrozen(c));
    assert.throws(() => {
      (c as { port: number }).port = 1;
    }, TypeError);
  });

  test('valid values are read, trimmed and typed', () => {
    const c = loadConfig({ PORT: ' 0 ', PROVDATA_COOKIE_SECURE: 'YES', PROVDATA_SEED_DEMO: '0', LOG_LEVEL: 'Debug', DATABASE_URL: 'postgres://u:p@db:5432/provdata', PROVDATA_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,loopback,fd00::/8' });
    assert.equal(c.port, 0);
    assert.equal(c.cookieSecure, true);
    assert.equal(c.seedDemo, false);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.databaseUrl, 'postgres://u:p@db:5432/provdata');
    assert.deepEqual(c.trustProxy, ['10.0.0.5', '10.1.0.0/16', 'loopback', 'fd00::/8']);
  });

  const bad: [string, string, RegExp][] = [
    ['PORT', 'abc', /^PORT=/],
    ['PORT', '65536', /^PORT=/],
    ['PORT', '-1', /^PORT=/],
    ['PORT', '80.5', /^PORT=/],
    ['HOST', 'my host!', /^HOST=/],
    ['PROVDATA_DB_POOL_MAX', '0', /^PROVDATA_DB_POOL_MAX=/],
    ['PROVDATA_ADMIN_USER', 'a', /^PROVDATA_ADMIN_USER=/],
    ['PROVDATA_ADMIN_USER', 'ad min', /^PROVDATA_ADMIN_USER=/],
    ['PROVDATA_ADMIN_PASSWORD', 'short', /^PROVDATA_ADMIN_PASSWORD:/],
    ['PROVDATA_SEED_DEMO', 'maybe', /^PROVDATA_SEED_DEMO=/],
    ['PROVDATA_SESSION_HOURS', '0', /^PROVDATA_SESSION_HOURS=/],
    ['PROVDATA_COOKIE_SECURE', 'on', /^PROVDATA_COOKIE_SECURE=/],
    ['PROVDATA_LOGIN_MAX_FAILURES', '1e3', /^PROVDATA_LOGIN_MAX_FAILURES=/],
    ['PROVDATA_LOGIN_LOCK_MINUTES', '100000', /^PROVDATA_LOGIN_LOCK_MINUTES=/],
    ['PROVDATA_LOGIN_RATE_PER_MINUTE', 'lots', /^PROVDATA_LOGIN_RATE_PER_MINUTE=/],
    ['PROVDATA_TRUST_PROXY', '2', /^PROVDATA_TRUST_PROXY=/],
    // `true` would believe X-Forwarded-For from any client: refused at start, naming what to write instead.
    ['PROVDATA_TRUST_PROXY', 'true', /^PROVDATA_TRUST_PROXY="true": .*IP hoặc CIDR.*not true/],
    ['PROVDATA_TRUST_PROXY', '10.0.0.0/33', /^PROVDATA_TRUST_PROXY: .*"10\.0\.0\.0\/33"/],
    ['PROVDATA_TRUST_PROXY', 'proxy.local', /^PROVDATA_TRUST_PROXY: .*"proxy\.local"/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL=/],
    ['DATABASE_URL', 'mysql://db/provdata', /^DATABASE_URL:/],
    ['DATABASE_URL', 'not a url', /^DATABASE_URL:/],
  ];
  for (const [name, value, expected] of bad) {
    test(`${name}=${JSON.stringify(value)} is reported as a problem naming the variable`, () => {
      const ps = problems({ [name]: value });
      assert.equal(ps.length, 1, ps.join('\n'));
      assert.match(ps[0]!, expected);
    });
  }

  test('every problem is listed together, in one error, bilingual', () => {
    const env = { PORT: 'abc', LOG_LEVEL: 'loud', PROVDATA_SEED_DEMO: 'maybe', DATABASE_URL: 'mysql://x', PROVDATA_ADMIN_PASSWORD: 'short' };
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 5, err.problems.join('\n'));
    for (const name of Object.keys(env)) assert.ok(err.message.includes(name), `${name} missing from: ${err.message}`);
    assert.match(err.message, /Cấu hình không hợp lệ \/ invalid configuration/);
  });

  test('secrets are never echoed: a bad DATABASE_URL or a short admin password', () => {
    const secret = 'S3cr3t-Pa55';
    const envs: Record<string, string>[] = [
      { DATABASE_URL: `mysql://provdata:${secret}@db.gialai.gov.vn/provdata` },
      { DATABASE_URL: `postgres//provdata:${secret}@db` },
      { PROVDATA_ADMIN_PASSWORD: secret.slice(0, 8) },
      { PROVDATA_SECRET_KEY: `${secret}${secret}` }, // base64 of fewer than 32 bytes
    ];
    for (const env of envs) {
      const ps = problems(env);
      assert.equal(ps.length, 1, JSON.stringify(env));
      assert.ok(!ps[0]!.includes(secret.slice(0, 8)), `echoed: ${ps[0]}`);
      try {
        loadConfig(env);
      } catch (e) {
        assert.ok(!(e as Error).message.includes(secret.slice(0, 8)));
      }
    }
  });

  test('every variable in CONFIG_VARIABLES is in the README configuration table with its default', () => {
    assert.ok(existsSync(README), 'README.md is missing');
    const rows = new Map<string, string>();
    for (const line of readFileSync(README, 'utf8').split('\n')) {
      const m = /^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*([^|]*)\|/.exec(line);
      if (m) rows.set(m[1]!, m[2]!.trim());
    }
    const missing = CONFIG_VARIABLES.map((v) => v.name).filter((n) => !rows.has(n));
    assert.deepEqual(missing, [], 'variables missing from the README table');
    const wrongDefault = CONFIG_VARIABLES.filter((v) => {
      const shown = rows.get(v.name)!.replace(/`/g, '');
      return v.default === '' ? !/^(—|-|)$/.test(shown) : shown !== v.default;
    }).map((v) => `${v.name}: README says ${rows.get(v.name)}, code says ${v.default || '(empty)'}`);
    assert.deepEqual(wrongDefault, []);
    // And the other way round: the table documents no variable the code does not read.
    const known = new Set<string>(CONFIG_VARIABLES.map((v) => v.name));
    assert.deepEqual([...rows.keys()].filter((n) => !known.has(n)), [], 'README documents variables the code does not know');
  });
});
