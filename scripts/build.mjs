#!/usr/bin/env node
/**
 * Builds what is stale: the server (tsc → dist/, plus SQL and data files) and the web client
 * (vite → web/dist/). `--force` rebuilds both. Used by `npm start`, `npm run build`, the CLI shim
 * and the test runner, so a fresh clone needs nothing but `npm install`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

function newest(dir, skip = () => false) {
  if (!statSync(dir).isDirectory()) return statSync(dir).mtimeMs;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (skip(p)) continue;
    t = Math.max(t, e.isDirectory() ? newest(p, skip) : statSync(p).mtimeMs);
  }
  return t;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`\nBuild failed: ${cmd} ${args.join(' ')}\n`);
    process.exit(r.status ?? 1);
  }
}

function stale(stamp, sources) {
  if (force || !existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return sources.some(([dir, skip]) => existsSync(dir) && newest(dir, skip) > built);
}

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');

if (only !== 'web') {
  const stamp = path.join(root, 'dist', '.build-stamp');
  // Test files are not compiled (tsconfig.build.json): editing one does not make dist/ stale.
  if (stale(stamp, [[path.join(root, 'src'), (p) => p.endsWith('.test.ts')], [path.join(root, 'tsconfig.build.json')]])) {
    process.stdout.write('• Biên dịch máy chủ / building the server…\n');
    run(process.execPath, [tsc, '-p', 'tsconfig.build.json']);
    // SQL migrations and bundled data travel beside the compiled modules that read them.
    cpSync(path.join(root, 'src'), path.join(root, 'dist'), {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || !/\.(ts|tsx)$/.test(src),
    });
    mkdirSync(path.dirname(stamp), { recursive: true });
    writeFileSync(stamp, new Date().toISOString());
  }
}

if (only !== 'server') {
  const stamp = path.join(root, 'web', 'dist', '.build-stamp');
  const skip = (p) => p.startsWith(path.join(root, 'web', 'dist'));
  if (stale(stamp, [[path.join(root, 'web'), skip]])) {
    process.stdout.write('• Đóng gói giao diện web / building the web client…\n');
    run(process.execPath, [vite, 'build', '--config', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn']);
    writeFileSync(stamp, new Date().toISOString());
  }
}
