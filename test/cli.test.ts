/**
 * The `provdata` command line, run as an operator runs it: child processes on an embedded (PGlite)
 * data directory in a temporary folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type Platform } from '../src/app.js';
import { createLogger } from '../src/core/logger.js';
import { cliCommand, runCli } from './support/cli.js';
import { ADMIN_PASSWORD, testConfig } from './support/platform.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function cliEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL; // these tests are about the embedded database and its lock
  return env;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `provdata <args>`; resolves with exit code and output, never rejects. */
async function cli(dataDir: string, args: string[], extra: Record<string, string> = {}): Promise<Result> {
  return runCli(args, { env: cliEnv(dataDir, extra), timeout: 60_000 });
}

/** Builds the app on the directory (taking its lock), runs `fn`, and always closes it (releasing the lock). */
async function withApp<T>(dataDir: string, fn: (p: Platform) => Promise<T>): Promise<T> {
  const p = await buildApp({ config: testConfig({ PROVDATA_DATA_DIR: dataDir }), logger: createLogger('silent') });
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

async function loginStatus(p: Platform, username: string, password: string): Promise<number> {
  return (await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })).statusCode;
}

/** Command names listed under "Commands:" in a commander help text (without `help`). */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:\s*$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

describe('provdata CLI', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'provdata-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help of every command and subcommand answers with its usage', async () => {
    const top = await cli(dir, ['--help']);
    assert.equal(top.code, 0, top.stderr);
    const commands = commandsIn(top.stdout);
    for (const c of ['serve', 'migrate', 'seed', 'user', 'apikey', 'audit']) assert.ok(commands.includes(c), `${c} missing from --help`);
    const groups = await Promise.all(commands.map(async (c) => ({ c, r: await cli(dir, [c, '--help']) })));
    const all: string[][] = [];
    for (const { c, r } of groups) {
      assert.equal(r.code, 0, `${c} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: provdata ${c}\\b`, 'm'));
      for (const sub of commandsIn(r.stdout)) all.push([c, sub]);
    }
    assert.ok(all.length >= 5, `subcommands: ${JSON.stringify(all)}`);
    const subs = await Promise.all(all.map(async (args) => ({ args, r: await cli(dir, [...args, '--help']) })));
    for (const { args, r } of subs) {
      assert.equal(r.code, 0, `${args.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: provdata ${args.join(' ')}\\b`, 'm'));
    }
  });

  test('migrate on a fresh directory lists the migrations it applied; a second run applies none', async () => {
    const first = await cli(dir, ['migrate']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /core\/001_foundation\.sql/);
    assert.doesNotMatch(first.stdout, /applied: 0\b/);
    const again = await cli(dir, ['migrate']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /applied: 0\b/);
  });

  test('seed creates the admin from PROVDATA_ADMIN_PASSWORD and says so; a second seed changes nothing', async () => {
    const r = await cli(dir, ['seed']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /đã có|present/, `first seed claims the data was already there: ${r.stdout}`);
    assert.ok(!r.stdout.includes(ADMIN_PASSWORD), 'a password given by the operator is not printed');
    const again = await cli(dir, ['seed']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /present/);
    await withApp(dir, async (p) => assert.equal(await loginStatus(p, 'admin', ADMIN_PASSWORD), 200));
  });

  let keyId = '';
  let key = '';
  test('apikey create --json prints exactly one JSON line {id, key}, and the key works against the server', async () => {
    const r = await cli(dir, ['apikey', 'create', '--user', 'admin', '--name', 'một cửa', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `stdout: ${JSON.stringify(r.stdout)}`);
    assert.ok(r.stdout.endsWith('\n'));
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['id', 'key']);
    keyId = String(parsed.id);
    key = String(parsed.key);
    assert.match(key, /^pdk_[0-9a-f]{8}_/);
    await withApp(dir, async (p) => {
      const me = await p.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${key}` } });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().user.username, 'admin');
      assert.equal(me.json().user.via, 'apikey');
    });
  });

  test('apikey create refuses an unknown user with exit code 1 and a bilingual message', async () => {
    const r = await cli(dir, ['apikey', 'create', '--user', 'khong.ton.tai', '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /NOT_FOUND.*khong\.ton\.tai.*\/.*No user/);
  });

  test('apikey revoke ends the key', async () => {
    assert.ok(keyId, 'depends on the previous test');
    const r = await cli(dir, ['apikey', 'revoke', keyId]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(keyId));
    await withApp(dir, async (p) => {
      const me = await p.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${key}` } });
      assert.equal(me.statusCode, 401);
      assert.equal(me.json().code, 'INVALID_API_KEY');
    });
  });

  test('user add prints a generated password once; reset-password replaces it', async () => {
    const add = await cli(dir, ['user', 'add', 'can.bo.cli', '--org', 'so-y-te', '--role', 'analyst', '--display-name', 'Cán bộ CLI']);
    assert.equal(add.code, 0, add.stderr);
    const first = /password: (\S+)/.exec(add.stdout)?.[1];
    assert.ok(first && first.length >= 12, add.stdout);
    const reset = await cli(dir, ['user', 'reset-password', 'can.bo.cli']);
    assert.equal(reset.code, 0, reset.stderr);
    const second = /password: (\S+)/.exec(reset.stdout)?.[1];
    assert.ok(second && second !== first, reset.stdout);
    await withApp(dir, async (p) => {
      assert.equal(await loginStatus(p, 'can.bo.cli', first), 401, 'the old password still works');
      assert.equal(await loginStatus(p, 'can.bo.cli', second), 200);
    });
  });

  test('user add refuses a role that does not exist and an unknown organisation', async () => {
    const role = await cli(dir, ['user', 'add', 'x.y', '--org', 'so-y-te', '--role', 'superuser']);
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /superuser/);
    const org = await cli(dir, ['user', 'add', 'x.y', '--org', 'so-khong-co']);
    assert.equal(org.code, 1);
    assert.match(org.stderr, /NOT_FOUND/);
  });

  test('while the server holds the data directory, a CLI command exits 2 with a bilingual message, and the directory stays healthy', async () => {
    const server = spawn(...cliCommand(['serve']), { cwd: ROOT, env: cliEnv(dir, { PORT: '0', HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    server.stdout.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('đang chạy') && Date.now() < deadline && server.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /đang chạy/, `server did not start: ${out}\n${err}`);
      const url = /is running at (\S+)/.exec(out)?.[1];
      assert.ok(url, out);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);

      const locked = await cli(dir, ['apikey', 'create', '--user', 'admin', '--json']);
      assert.equal(locked.code, 2, `${locked.stdout}${locked.stderr}`);
      assert.equal(locked.stdout, '');
      assert.match(locked.stderr, /đang được tiến trình \d+ sử dụng/);
      assert.match(locked.stderr, new RegExp(`in use by process ${server.pid}`));
      assert.match(locked.stderr, /Stop it first/);
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `server exit on SIGTERM: ${err}`);
    const verify = await cli(dir, ['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /intact/);
  });

  test('a bad configuration lists every problem and exits 1 without touching the data directory', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'provdata-cli-badcfg-'));
    try {
      const r = await cli(path.join(fresh, 'data'), ['migrate'], { PORT: 'abc', LOG_LEVEL: 'loud' });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /PORT="abc"/);
      assert.match(r.stderr, /LOG_LEVEL="loud"/);
      assert.match(r.stderr, /invalid configuration/);
      assert.equal(r.stdout, '');
      const serve = await cli(path.join(fresh, 'data'), ['serve'], { PORT: 'abc', LOG_LEVEL: 'loud' });
      assert.equal(serve.code, 1);
      assert.match(serve.stderr, /PORT="abc"[\s\S]*LOG_LEVEL="loud"|LOG_LEVEL="loud"[\s\S]*PORT="abc"/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
