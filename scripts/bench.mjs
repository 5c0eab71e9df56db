#!/usr/bin/env node
/**
 * `npm run bench -- NAME`: runs bench/NAME.ts. Each benchmark measures a reference in the same run
 * and ends with `RESULT <name> ours=… reference=… unit=… ratio=…`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const available = existsSync(path.join(root, 'bench'))
  ? readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
  : [];
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`Usage: npm run bench -- NAME\nAvailable: ${available.join(', ') || '(none yet)'}\n`);
  process.exit(name ? 1 : 0);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', `${name}.ts`), ...process.argv.slice(3)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
