/**
 * The `provdata` command line for tests, run as an operator runs it: a child process of the compiled
 * server (`dist/main.js`, what `npx provdata` and `npm start` run). A `tsx` start per command
 * re-resolved and re-loaded the TypeScript sources through the loader on every case; the compiled
 * tree starts in a fraction of that. `npm test` builds it once before the test processes start; a
 * test file run on its own rebuilds it here when the sources are newer, so no test runs stale code.
 */
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'dist', 'main.js');

let built = false;
/** Builds dist/ if any server source is newer than it (scripts/build.mjs is a no-op otherwise). */
function ensureBuilt(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--only=server'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/build.mjs --only=server failed:\n${r.stdout}${r.stderr}`);
  built = true;
}

/** The command and arguments that start `provdata <args>`, for a test that drives the process itself (spawn). */
export function cliCommand(args: string[]): [string, string[]] {
  ensureBuilt();
  return [process.execPath, [MAIN, ...args]];
}

export interface CliResult {
  /** The exit code; -1 when the process was killed by a signal (a timeout, say). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `provdata <args>` in the repository root with exactly `env` and resolves with its exit code
 * and output; never rejects, so a test asserts on a failing command like on any other.
 */
export function runCli(args: string[], opts: { env: NodeJS.ProcessEnv; timeout?: number; maxBuffer?: number }): Promise<CliResult> {
  const [cmd, argv] = cliCommand(args);
  return new Promise((resolve) => {
    execFile(cmd, argv, { cwd: ROOT, env: opts.env, timeout: opts.timeout ?? 60_000, maxBuffer: opts.maxBuffer ?? 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
