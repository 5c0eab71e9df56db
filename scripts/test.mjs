#!/usr/bin/env node
/**
 * `npm test`: every `*.test.ts` under src/ and test/ with node's test runner through tsx.
 * Legs that need PostgreSQL (PROVDATA_TEST_PG_URL) or Chromium (/usr/bin/chromium) skip with a
 * visible message when those are absent; CI sets PROVDATA_TEST_PG_URL and PROVDATA_REQUIRE_BROWSER=1
 * to make them mandatory. Extra arguments are passed to node (e.g. a file list or --test-name-pattern).
 *
 * Before the test processes start, three things are made ready side by side (2 cores: they overlap
 * well): the compiled server in dist/ (the CLI tests run it, as an operator runs `provdata`), the
 * web client in web/dist/ (the browser tests load it), and the seeded database templates every
 * storage test starts from (test/support/platform.ts). Each is skipped when already current.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function find(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out;
}

const explicit = args.filter((a) => a.endsWith('.ts'));
const files = explicit.length ? explicit : [...find(path.join(root, 'src')), ...find(path.join(root, 'test'))].sort();
const flags = args.filter((a) => !a.endsWith('.ts'));

if (!process.env.PROVDATA_TEST_PG_URL) {
  process.stdout.write('ℹ PROVDATA_TEST_PG_URL chưa đặt / not set: storage tests run on PGlite only; the PostgreSQL leg is SKIPPED.\n');
}
if (!existsSync('/usr/bin/chromium')) {
  process.stdout.write('ℹ /usr/bin/chromium không có / missing: the browser test is SKIPPED (apt-get install chromium).\n');
}
/** Runs node with `argv` in the repository root; resolves with its exit code. */
function node(argv, env = process.env) {
  return new Promise((resolve) => {
    spawn(process.execPath, argv, { cwd: root, stdio: 'inherit', env }).on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
const build = path.join(root, 'scripts', 'build.mjs');
const ready = await Promise.all([
  node([build, '--only=server']),
  node([build, '--only=web']),
  node(['--import', 'tsx', path.join(root, 'test', 'support', 'prepare.ts')], { ...process.env, NODE_ENV: 'test' }),
]);
const failed = ready.find((code) => code !== 0);
if (failed !== undefined) process.exit(failed);

const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...flags, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(r.status ?? 1);
