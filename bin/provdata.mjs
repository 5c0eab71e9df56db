#!/usr/bin/env node
/** The `provdata` command (`npx provdata …`): builds the server if stale, then runs the CLI. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const build = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--only=server'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (build.status !== 0) process.exit(build.status ?? 1);
await import(new URL('../dist/main.js', import.meta.url).href);
