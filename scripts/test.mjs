#!/usr/bin/env node
/**
 * `npm test`: every `*.test.ts` under src/ and test/ with node's test runner through tsx.
 * Legs that need PostgreSQL (PROVDATA_TEST_PG_URL) or Chromium (/usr/bin/chromium) skip with a
 * visible message when those are absent; CI sets PROVDATA_TEST_PG_URL and PROVDATA_REQUIRE_BROWSER=1
 * to make them mandatory. Extra arguments are passed to node (e.g. a file list or --test-name-pattern).
 */
import { spawnSync } from 'node:child_process';
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
// The browser test needs the built web client.
const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--only=web'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...flags, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(r.status ?? 1);
