/**
 * `provdata ldop checkpoint` and `provdata ldop verify` as an operator runs them, on an embedded data
 * directory: verify passes on an intact log and exits 1 naming the first tampered row.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../core/config/index.js';
import { createLogger } from '../../core/logger.js';
import { runCli } from '../../../test/support/cli.js';
import { seededDataDir } from '../../../test/support/platform.js';

async function cli(dataDir: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: 'test-admin-password-123', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const r = await runCli(args, { env, timeout: 120_000 });
  return { code: r.code, stdout: r.stdout };
}

const exchange = (n: number) => ({
  consumerSubsystemId: null, consumerOrgId: 'so-y-te', providerOrgId: 'so-nn-mt', providerSubsystem: 'kho-du-lieu', serviceCode: 'dataset:x', serviceId: null,
  agreementId: null, requestSha256: 'a'.repeat(64), responseSha256: 'b'.repeat(64), rows: n, status: 200, errorCode: null, latencyMs: 1.5, requestId: `r${n}`,
});

describe('provdata ldop (CLI)', () => {
  test('checkpoint signs with a 0600 key; verify passes, then exits 1 naming a tampered row', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'provdata-ldop-cli-'));
    try {
      const config = loadConfig({ PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: 'test-admin-password-123', LOG_LEVEL: 'silent' });
      await seededDataDir(dataDir);
      let p = await buildApp({ config, logger: createLogger('silent') });
      await p.migrate();
      await p.seed();
      for (let i = 1; i <= 5; i++) await p.sharing.log.append(exchange(i));
      await p.close();

      let r = await cli(dataDir, ['ldop', 'checkpoint']);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /dòng cuối \/ last row 5/);
      assert.equal(statSync(path.join(dataDir, 'keys', 'ldop-ed25519.pem')).mode & 0o777, 0o600);
      r = await cli(dataDir, ['ldop', 'verify']);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /5 dòng \/ rows, 1 điểm kiểm tra/);

      p = await buildApp({ config, logger: createLogger('silent') });
      await p.db.exec('ALTER TABLE ldop_message_log DISABLE TRIGGER ldop_message_log_no_update');
      await p.db.query('UPDATE ldop_message_log SET rows = 500 WHERE id = 3');
      await p.db.exec('ALTER TABLE ldop_message_log ENABLE TRIGGER ldop_message_log_no_update');
      await p.close();
      r = await cli(dataDir, ['ldop', 'verify']);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /row id=3/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
