#!/usr/bin/env node
/** `npm start`: build what is stale, then run the compiled CLI (default command: serve). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const build = spawnSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url))], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// Run in this process so Ctrl-C and SIGTERM reach the server's own shutdown handlers directly.
await import(new URL('../dist/main.js', import.meta.url).href);
