#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { BuildOptions, Platform } from './app.js';
import { SYSTEM, ROLES, type Principal, type Role } from './core/auth/index.js';
import { ConfigError, loadConfig, type Config } from './core/config/index.js';
import { DataDirLockedError } from './core/db/index.js';
import { AppError } from './core/errors.js';
import { createLogger } from './core/logger.js';
import { foldVietnamese, rowLabelKey } from './modules/ingest/index.js';

/** The operator acting through the CLI: recorded in the audit log by OS user name. */
const CLI: Principal = { ...SYSTEM, username: `cli:${safeUser()}`, displayName: 'CLI' };

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function config(): Config {
  try {
    return loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/**
 * The platform's modules, loaded when a command needs them: loading every module (Fastify, ExcelJS,
 * Turf…) costs more than a second of CPU, which `--help` and a bad configuration should not pay.
 */
async function buildApp(opts: BuildOptions): Promise<Platform> {
  return (await import('./app.js')).buildApp(opts);
}

/** Opens the platform for a one-shot command (no HTTP listener, no job loop). */
async function withPlatform<T>(fn: (p: Platform) => Promise<T>, opts: { migrate?: boolean; seed?: boolean } = {}): Promise<T> {
  const cfg = config();
  const p = await buildApp({ config: cfg, logger: createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, { stderr: true }) });
  try {
    // `migrate` runs them itself, so that its report lists what this run applied.
    if (opts.migrate !== false) {
      await p.migrate();
    }
    if (opts.migrate !== false && opts.seed !== false) {
      // Reference data every command relies on (agencies, communes, dictionary). Idempotent; on a
      // directory never served before it also creates the admin, whose password must be shown once.
      const seeded = await p.seed();
      if (seeded.adminCreated && seeded.generatedPassword) {
        process.stderr.write(`Tài khoản quản trị / admin login: ${seeded.adminUser} / ${seeded.generatedPassword} (chỉ hiển thị một lần / shown once)\n`);
      }
    }
    return await fn(p);
  } finally {
    await p.close();
  }
}

async function cliAudit(p: Platform, action: string, resource: string, details?: Record<string, unknown>) {
  await p.audit.append({ actor: CLI.username, actorId: null, orgId: null, action, resource, outcome: 'success', details: details ?? null });
}

const program = new Command('provdata')
  .description('provdata — Nền tảng dữ liệu tỉnh Gia Lai / the data platform of Gia Lai province')
  .showHelpAfterError();

program.command('serve').description('Chạy máy chủ / run the server (migrates and seeds first)').action(async () => {
  const cfg = config();
  const p = await buildApp({ config: cfg });
  const report = await p.migrate();
  if (report.applied.length) p.logger.info({ applied: report.applied }, 'migrations applied');
  const seeded = await p.seed();
  p.jobs.start();
  // The audit log's signed head, every five minutes (and at a clean stop, in close()): rows cut off
  // the log's end before the last signing are detected by `provdata audit verify`.
  const signHead = () => p.audit.signHead().then(
    (r) => { if (r.problem) p.logger.error({ problem: r.problem }, 'audit log does not match its signed head; the head was kept'); },
    (e: unknown) => p.logger.error({ err: e }, 'signing the audit head failed'),
  );
  await signHead();
  const headTimer = setInterval(() => void signHead(), 5 * 60_000).unref();
  // The message log's periodic checkpoint (and agreement expiry) runs as a job; queue it once.
  await p.sharing.schedule();
  const address = await p.app.listen({ port: cfg.port, host: cfg.host });
  const port = new URL(address).port;
  const shown = cfg.host === '0.0.0.0' || cfg.host === '::' ? `http://localhost:${port}` : address;
  const lines = [
    '',
    `  provdata đang chạy tại / is running at ${shown}`,
    `  Cơ sở dữ liệu / database: ${p.db.driver === 'pglite' ? `PGlite (nhúng / embedded) ${cfg.dataDir}` : 'PostgreSQL'}`,
    `  API: ${shown}/api/docs`,
  ];
  if (seeded.adminCreated && seeded.generatedPassword) {
    lines.push(
      '',
      `  Tài khoản quản trị / admin login:  ${seeded.adminUser}  /  ${seeded.generatedPassword}`,
      '  Mật khẩu chỉ hiển thị MỘT LẦN — hãy lưu lại. / Shown ONCE — keep it safe.',
      '  (Đổi bằng / reset with: npx provdata user reset-password ' + seeded.adminUser + ')',
    );
  } else if (seeded.adminCreated) {
    lines.push('', `  Tài khoản quản trị / admin login: ${seeded.adminUser} (mật khẩu từ PROVDATA_ADMIN_PASSWORD)`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      process.stderr.write('Buộc dừng / forced exit\n');
      process.exit(130);
    }
    stopping = true;
    clearInterval(headTimer);
    p.logger.info({ signal }, 'shutting down');
    try {
      await p.close();
      process.exit(0);
    } catch (e) {
      p.logger.error({ err: e }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
});

program.command('migrate').description('Áp dụng migration / apply database migrations').action(async () => {
  await withPlatform(async (p) => {
    const r = await p.migrate();
    process.stdout.write(`${r.applied.length ? r.applied.join('\n') + '\n' : ''}Đã áp dụng / applied: ${r.applied.length}, đã có / already: ${r.skipped}\n`);
  }, { migrate: false });
});

program.command('seed').description('Nạp dữ liệu khởi tạo Gia Lai / seed Gia Lai reference data and the admin').action(async () => {
  await withPlatform(async (p) => {
    const s = await p.seed();
    process.stdout.write(s.adminCreated && s.generatedPassword
      ? `Tài khoản quản trị / admin: ${s.adminUser} / ${s.generatedPassword} (chỉ hiển thị một lần / shown once)\n`
      : s.adminCreated
        ? `Đã nạp dữ liệu khởi tạo và tạo tài khoản quản trị / seeded; admin created: ${s.adminUser} (mật khẩu từ / password from PROVDATA_ADMIN_PASSWORD)\n`
        : 'Dữ liệu khởi tạo đã có / reference data present\n');
  }, { seed: false });
});

const user = program.command('user').alias('users').description('Quản lý người dùng / manage users');
user.command('add <username>')
  .description('Thêm người dùng / add a user (prints a generated password once unless --password)')
  .requiredOption('--org <id>', 'mã cơ quan / organisation id, e.g. so-khcn, xa-21553')
  .addOption(new Option('--role <role>', 'vai trò / role').choices([...ROLES]).default('viewer'))
  .option('--display-name <name>', 'tên hiển thị / display name')
  .option('--email <email>')
  .option('--password <password>', 'mật khẩu (≥12 ký tự) / password (≥12 characters)')
  .action(async (username: string, o: { org: string; role: Role; displayName?: string; email?: string; password?: string }) => {
    await withPlatform(async (p) => {
      const r = await p.org.createUser(CLI, { username, displayName: o.displayName ?? username, email: o.email ?? null, orgId: o.org, role: o.role, password: o.password });
      await cliAudit(p, 'user.create', `user:${r.user.id}`, { username });
      process.stdout.write(`Đã tạo / created ${r.user.username} (${r.user.role}, ${r.user.org_id})${r.generatedPassword ? `\nMật khẩu / password: ${r.generatedPassword}` : ''}\n`);
    });
  });
user.command('reset-password <username>')
  .description('Đặt lại mật khẩu / reset a password (generated and printed once unless --password); unlocks the account')
  .option('--password <password>')
  .action(async (username: string, o: { password?: string }) => {
    await withPlatform(async (p) => {
      const u = await p.org.findUser(CLI, username);
      const r = await p.org.setPassword(CLI, u.id, { password: o.password });
      await cliAudit(p, 'user.password', `user:${u.id}`, { username });
      process.stdout.write(`Đã đặt lại mật khẩu / password reset for ${u.username}${r.generatedPassword ? `\nMật khẩu mới / new password: ${r.generatedPassword}` : ''}\n`);
    });
  });

user.command('unlock <username>')
  .description('Mở khóa đăng nhập từ mọi địa chỉ / lift the account\'s login lock-outs from every address')
  .action(async (username: string) => {
    await withPlatform(async (p) => {
      const u = await p.org.findUser(CLI, username);
      await p.org.unlockUser(CLI, u.id);
      await cliAudit(p, 'user.unlock', `user:${u.id}`, { username });
      process.stdout.write(`Đã mở khóa / unlocked ${u.username}\n`);
    });
  });

const apikey = program.command('apikey').description('Khóa API cho hệ thống / API keys for systems');
apikey.command('create')
  .description('Tạo khóa API (chỉ hiển thị một lần) / create an API key (printed once)')
  .requiredOption('--user <username>', 'người dùng mà khóa đại diện / the user the key acts for')
  .option('--name <name>', 'tên khóa / key name', 'cli')
  .option('--scopes <list>', 'quyền, cách nhau bởi dấu phẩy / comma-separated permissions')
  .option('--expires-days <n>', 'hết hạn sau N ngày / expire after N days')
  .option('--json', 'in {"id","key"} dạng JSON / print JSON')
  .action(async (o: { user: string; name: string; scopes?: string; expiresDays?: string; json?: boolean }) => {
    await withPlatform(async (p) => {
      const u = await p.org.findUser(CLI, o.user);
      const expires = o.expiresDays === undefined ? undefined : Number(o.expiresDays);
      if (expires !== undefined && (!Number.isInteger(expires) || expires < 1 || expires > 3650)) {
        throw new AppError('VALIDATION_FAILED', { vi: '--expires-days phải là số nguyên 1–3650', en: '--expires-days must be an integer 1–3650' });
      }
      const r = await p.org.createApiKey(CLI, { userId: u.id, name: o.name, scopes: o.scopes?.split(',').map((s) => s.trim()).filter(Boolean), expiresInDays: expires });
      await cliAudit(p, 'apikey.create', `apikey:${r.apiKey.id}`, { user: u.username });
      process.stdout.write(o.json
        ? JSON.stringify({ id: r.apiKey.id, key: r.key }) + '\n'
        : `Khóa API / API key (chỉ hiển thị một lần / shown once):\n${r.key}\nid: ${r.apiKey.id}\n`);
    });
  });
apikey.command('revoke <id>').description('Thu hồi khóa API / revoke an API key').action(async (id: string) => {
  await withPlatform(async (p) => {
    await p.org.revokeApiKey(CLI, id);
    await cliAudit(p, 'apikey.revoke', `apikey:${id}`);
    process.stdout.write(`Đã thu hồi / revoked ${id}\n`);
  });
});

program.command('ingest <file>')
  .description('Nạp một tệp vào tập dữ liệu, in tóm tắt JSON / load a file into a dataset and print a JSON summary')
  .requiredOption('--dataset <slug>', 'mã tập dữ liệu / dataset slug')
  .option('--create', 'tạo tập dữ liệu với lược đồ suy ra từ tệp nếu chưa có / create the dataset with an inferred schema if missing')
  .addOption(new Option('--mode <mode>', 'cách nạp / load mode').choices(['replace', 'append', 'upsert']).default('replace'))
  .option('--valid-rows-only', 'chỉ nạp các dòng hợp lệ / load only the valid rows')
  .option('--sheet <name>', 'trang tính Excel, lặp lại được (mỗi trang vào tập dữ liệu <slug>-<trang>) / XLSX sheet; repeatable (each into <slug>-<sheet>)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--all-sheets', 'nạp mọi trang tính có bảng, mỗi trang vào tập dữ liệu <slug>-<trang> / load every sheet holding a table, each into <slug>-<sheet>')
  .option('--title <text>', 'tên tập dữ liệu tạo mới (với --create) / title of the created dataset (with --create)')
  .option('--key <header>', 'cột của tệp làm khóa của lược đồ tạo mới, lặp lại được / a file column keying the created schema; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--include-row <label>', 'nạp các dòng có nhãn này dù bị nhận là dòng tổng/chú thích…, lặp lại được / load rows with this label though recognised as totals, notes…; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--unpivot <first:last>', 'xoay các cột từ cột đầu đến cột cuối thành dòng, vd "Năm 2021:Năm 2025" / turn the columns first…last into rows')
  .option('--into <period,value>', 'tên hai cột mới của --unpivot / the two new columns of --unpivot', 'ky,gia_tri')
  .option('--exclude-row <label>', 'bỏ các dòng có nhãn này, lặp lại được / leave rows with this label out; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
  .action(async (file: string, o: {
    dataset: string; create?: boolean; mode: 'replace' | 'append' | 'upsert'; validRowsOnly?: boolean; sheet: string[]; allSheets?: boolean; title?: string; key: string[];
    includeRow: string[]; excludeRow: string[]; unpivot?: string; into: string;
  }) => {
    let unpivot: { from: string; to: string; into: [string, string] } | undefined;
    if (o.unpivot !== undefined) {
      const range = o.unpivot.split(':').map((x) => x.trim());
      const into = o.into.split(',').map((x) => x.trim());
      if (range.length !== 2 || !range[0] || !range[1] || into.length !== 2 || !into[0] || !into[1]) {
        process.stderr.write('--unpivot cần dạng "Cột đầu:Cột cuối" và --into hai tên, vd nam,gia_tri / --unpivot takes "First:Last", --into two names\n');
        process.exitCode = 2;
        return;
      }
      unpivot = { from: range[0], to: range[1], into: [into[0], into[1]] };
    }
    await withPlatform(async (p) => {
      const upload = await p.ingest.upload(CLI, createReadStream(file), { filename: path.basename(file), contentType: null });
      const overrides = [...o.includeRow.map((label) => ({ label: rowLabelKey([label]), role: 'data' as const })), ...o.excludeRow.map((label) => ({ label: rowLabelKey([label]), role: 'excluded' as const }))];
      let sheets: (string | undefined)[] = o.sheet.length ? o.sheet : [undefined];
      if (o.allSheets) sheets = (await p.ingest.sheets(CLI, upload.id)).filter((s) => !s.hidden && s.error === null && s.dataRows > 0).map((s) => s.name);
      const several = sheets.length > 1 || !!o.allSheets;
      for (const sheet of sheets) {
        const dataset = several && sheet !== undefined ? `${o.dataset}-${slugOf(sheet)}`.slice(0, 100) : o.dataset;
        const r = await p.ingest.ingest(CLI, {
          dataset, uploadId: upload.id, mode: o.mode, validRowsOnly: !!o.validRowsOnly, create: !!o.create, ...(sheet ? { sheet } : {}),
          ...(o.title ? { title: several && sheet ? `${o.title} — ${sheet}` : o.title } : {}), ...(o.key.length ? { keys: o.key } : {}),
          ...(overrides.length ? { overrides } : {}), ...(unpivot ? { unpivot } : {}),
        });
        await cliAudit(p, 'ingest.run', `dataset:${r.datasetId}`, { runId: r.runId, status: r.status, version: r.version, sha256: upload.sha256 });
        const q = r.quality;
        process.stdout.write(JSON.stringify({
          dataset: r.dataset, version: r.version, status: r.status, runId: r.runId, rowsRead: r.rowsRead, rowsLoaded: r.rowsLoaded, rowsRejected: r.rowsRejected,
          encoding: r.encoding, format: r.format, sheet: r.sheet,
          quality: { validity: q.validity, completeness: q.completeness, uniqueness: q.uniqueness, freshness: q.freshness, score: q.score },
          ...(r.rejects.length ? { rejects: r.rejects.slice(0, 5) } : {}),
          leftOutCount: r.structure.leftOutCount,
          leftOut: r.structure.leftOut.slice(0, 50).map((x) => ({ line: x.line, role: x.role, reason: x.reason.vi, label: x.label })),
          ...(r.structure.groupColumn ? { groupColumn: r.structure.groupColumn } : {}),
          totalsChecked: r.structure.totals.length,
          ...(r.problems.length ? { problems: r.problems.slice(0, 10) } : {}),
          ...(r.structure.warnings.length ? { warnings: r.structure.warnings.map((w) => w.vi) } : {}),
        }) + '\n');
        if (r.status !== 'loaded') process.exitCode = 1;
      }
    });
  });

/** A dataset slug part from a sheet name: "Biểu 01" → "bieu-01". */
function slugOf(name: string): string {
  return foldVietnamese(name).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'trang';
}

program.command('rows <slug>')
  .description('In các dòng của tập dữ liệu dạng JSON lines / print a dataset\'s rows as JSON lines')
  .option('--version <n>', 'phiên bản (mặc định: mới nhất) / version (default: latest)')
  .option('--limit <n>', 'số dòng tối đa / maximum rows', '100')
  .action(async (slug: string, o: { version?: string; limit: string }) => {
    await withPlatform(async (p) => {
      const limit = Number(o.limit);
      const version = o.version === undefined ? undefined : Number(o.version);
      if (!Number.isInteger(limit) || limit < 1 || (version !== undefined && (!Number.isInteger(version) || version < 1))) {
        throw new AppError('VALIDATION_FAILED', { vi: '--limit và --version phải là số nguyên dương', en: '--limit and --version must be positive integers' });
      }
      const { dataset: ds, masked } = await p.catalog.openContent(CLI, slug);
      const columns = ds.columns.map((c) => ({ name: c.name, type: c.type }));
      let left = limit;
      let cursor: string | null | undefined;
      do {
        const page = await p.warehouse.query(ds.id, columns, { version, limit: Math.min(left, 1000), ...(cursor ? { cursor } : {}) }, { masked });
        for (const row of page.rows) process.stdout.write(JSON.stringify(row) + '\n');
        left -= page.rows.length;
        cursor = page.nextCursor;
        if (page.rows.length === 0) break;
      } while (left > 0 && cursor);
      await cliAudit(p, 'warehouse.read', `dataset:${ds.id}`, { version: version ?? ds.latestVersion });
    });
  });

program.command('diff <slug>')
  .description('So sánh hai phiên bản, in một đối tượng JSON / compare two versions and print one JSON object')
  .option('--from <n>', 'phiên bản cũ (mặc định: liền trước bản mới nhất) / older version (default: the one before the latest)')
  .option('--to <n>', 'phiên bản mới (mặc định: mới nhất) / newer version (default: latest)')
  .option('--limit <n>', 'số dòng tối đa mỗi danh sách / maximum rows per list', '100')
  .action(async (slug: string, o: { from?: string; to?: string; limit: string }) => {
    await withPlatform(async (p) => {
      const { dataset: ds, masked } = await p.catalog.openContent(CLI, slug);
      if (!ds.latestVersion) throw new AppError('VALIDATION_FAILED', { vi: `Tập dữ liệu ${slug} chưa có phiên bản nào`, en: `Dataset ${slug} has no version yet` });
      const to = o.to === undefined ? ds.latestVersion : Number(o.to);
      const from = o.from === undefined ? to - 1 : Number(o.from);
      const limit = Number(o.limit);
      const version = (n: number) => Number.isInteger(n) && n >= 1 && n <= ds.latestVersion!;
      if (!version(from) || !version(to) || !Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new AppError('VALIDATION_FAILED', {
          vi: `--from và --to phải là phiên bản từ 1 đến ${ds.latestVersion}; --limit từ 1 đến 10000`,
          en: `--from and --to must be versions from 1 to ${ds.latestVersion}; --limit from 1 to 10000`,
        });
      }
      const d = await p.warehouse.diff(ds.id, ds.columns.map((c) => ({ name: c.name, type: c.type })), ds.columns.filter((c) => c.key).map((c) => c.name), from, to, { limit, masked });
      await cliAudit(p, 'warehouse.diff', `dataset:${ds.id}`, { from, to });
      process.stdout.write(JSON.stringify({ dataset: slug, from, to, ...d }) + '\n');
    });
  });

const audit = program.command('audit').description('Nhật ký kiểm toán / audit log');
audit.command('verify')
  .description('Kiểm tra chuỗi băm và đầu chuỗi đã ký / verify the hash chain and that the log still holds its signed head; exit 1 naming the problem')
  .action(async () => {
    await withPlatform(async (p) => {
      const r = await p.audit.verify();
      const head = r.head ? `; đầu chuỗi đã ký / signed head: id=${r.head.lastId} (${r.head.at})` : '; chưa có đầu chuỗi đã ký / no signed head yet';
      if (r.ok) {
        process.stdout.write(`Nhật ký toàn vẹn / audit log intact: ${r.rows} dòng / rows${head}\n`);
        return;
      }
      if (r.brokenAt) process.stdout.write(`Chuỗi bị phá vỡ tại dòng / chain broken at row id=${r.brokenAt.id}: ${r.brokenAt.reason}\n`);
      if (r.headProblem) process.stdout.write(`Nhật ký không khớp đầu chuỗi đã ký / the log does not match its signed head: ${r.headProblem}\n`);
      process.exitCode = 1;
    });
  });
audit.command('checkpoint')
  .description('Ký đầu chuỗi ngay (tệp ngoài CSDL) / sign the log\'s head now, into a file outside the database')
  .option('--force', 'ký lại dù nhật ký không còn khớp đầu cũ (sau khi khôi phục bản sao lưu có biên bản) / re-sign although the log no longer holds the old head (after a documented restore)')
  .action(async (o: { force?: boolean }) => {
    await withPlatform(async (p) => {
      const before = o.force ? await p.audit.verify() : null;
      if (o.force && before?.headProblem) await cliAudit(p, 'audit.head.reset', 'audit-log', { problem: before.headProblem, oldHead: before.head });
      const r = await p.audit.signHead({ force: !!o.force });
      if (r.problem) {
        process.stdout.write(`Không ký: nhật ký không khớp đầu chuỗi đã ký / not signed, the log does not match its signed head: ${r.problem}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(r.head ? `Đã ký đầu chuỗi / signed head: id=${r.head.lastId} ${r.head.hash} (${r.head.at})\n` : 'Nhật ký trống / the log is empty\n');
    });
  });

const ldop = program.command('ldop').description('LDOP: nhật ký trao đổi / the sharing platform\'s message log');
ldop.command('verify')
  .description('Kiểm tra chuỗi băm và chữ ký các điểm kiểm tra / verify the message-log chain and every checkpoint signature; exit 1 naming the first broken row')
  .action(async () => {
    await withPlatform(async (p) => {
      const r = await p.sharing.log.verify();
      if (r.ok) {
        process.stdout.write(`Nhật ký trao đổi toàn vẹn / message log intact: ${r.rows} dòng / rows, ${r.checkpoints} điểm kiểm tra hợp lệ / valid checkpoints\n`);
        return;
      }
      if (r.brokenAt) process.stdout.write(`Chuỗi bị phá vỡ tại dòng / chain broken at row id=${r.brokenAt.id}: ${r.brokenAt.reason}\n`);
      if (r.badCheckpoint) process.stdout.write(`Điểm kiểm tra không hợp lệ / invalid checkpoint id=${r.badCheckpoint.id}: ${r.badCheckpoint.reason}\n`);
      process.exitCode = 1;
    });
  });
ldop.command('checkpoint')
  .description('Ký đầu chuỗi bằng khóa Ed25519 của nền tảng / sign the log head now with the platform\'s Ed25519 key')
  .action(async () => {
    await withPlatform(async (p) => {
      const c = await p.sharing.log.checkpoint();
      await cliAudit(p, 'ldop.checkpoint', `ldop-checkpoint:${c.id}`, { lastId: c.last_id, keyId: c.key_id });
      process.stdout.write(`Điểm kiểm tra / checkpoint ${c.id}: dòng cuối / last row ${c.last_id}, ${c.head_hash}, khóa / key ${c.key_id}\n`);
    });
  });
ldop.command('archive')
  .description('Xuất các dòng cũ hơn N ngày kèm điểm kiểm tra ra NDJSON / export rows older than N days with their checkpoint as NDJSON')
  .requiredOption('--days <n>', 'tuổi tối thiểu / minimum age in days')
  .option('--dir <dir>', 'thư mục lưu / output folder (default <dataDir>/archive)')
  .action(async (o: { days: string; dir?: string }) => {
    await withPlatform(async (p) => {
      const days = Number(o.days);
      if (!Number.isInteger(days) || days < 0 || days > 36500) throw new AppError('VALIDATION_FAILED', { vi: '--days phải là số nguyên 0–36500', en: '--days must be an integer 0–36500' });
      const r = await p.sharing.log.archive(days, o.dir ?? path.join(p.config.dataDir, 'archive'));
      await cliAudit(p, 'ldop.archive', r.file ?? 'ldop-archive', { rows: r.rows, checkpointId: r.checkpointId });
      process.stdout.write(r.file ? `Đã xuất / exported ${r.rows} dòng / rows → ${r.file}\n` : 'Không có dòng nào đủ cũ / nothing old enough\n');
    });
  });

const sync = program.command('sync').description('Đồng bộ lên CSDL quốc gia / sync to national databases');
sync.command('status [target]')
  .description('Tình trạng theo hệ thống đích / status per national target')
  .option('--json', 'in JSON / print JSON')
  .action(async (target: string | undefined, o: { json?: boolean }) => {
    await withPlatform(async (p) => {
      const rows = await p.sync.status(CLI, target);
      if (o.json) {
        process.stdout.write(JSON.stringify(rows) + '\n');
        return;
      }
      for (const s of rows) {
        const runs = Object.entries(s.runs).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' ') || '-';
        process.stdout.write(`${s.code.padEnd(28)} ${s.enabled ? 'bật/on ' : 'tắt/off'}  kết nối/connectors=${s.connectors}  lượt/runs: ${runs}  thư lỗi/dead letters=${s.openDeadLetters}  ${s.name}\n`);
      }
    });
  });
sync.command('reconcile <target>')
  .description('Đối soát gửi/xác nhận; thoát 1 khi lệch / reconcile sent vs acknowledged; exit 1 on mismatch')
  .option('--live', 'hỏi lại hệ thống đích từng lô / also ask the target for each batch')
  .option('--json', 'in JSON / print JSON')
  .action(async (target: string, o: { live?: boolean; json?: boolean }) => {
    await withPlatform(async (p) => {
      const reports = await p.sync.reconcileTarget(CLI, target, { live: !!o.live });
      await cliAudit(p, 'sync.reconcile', `sync-target:${target}`, { connectors: reports.length });
      if (o.json) process.stdout.write(JSON.stringify(reports) + '\n');
      else {
        if (!reports.length) process.stdout.write(`Chưa có lượt đồng bộ nào tới / no runs to ${target}\n`);
        for (const r of reports) {
          process.stdout.write(`${r.matches ? 'KHỚP / MATCH   ' : 'LỆCH / MISMATCH'} connector=${r.connectorId} version=${r.version} run=${r.runStatus}` +
            ` rows ${r.rows.acknowledged}/${r.rows.expected} batches ${r.batches.acknowledged}/${r.batches.expected}` +
            ` dead=${r.batches.dead} discarded=${r.batches.discarded} duplicateAcks=${r.batches.duplicateAcks}\n`);
          for (const m of r.mismatches.slice(0, 20)) process.stdout.write(`    lô/batch ${m.batchNo}: ${m.problem}${m.idempotencyKey ? ` (${m.idempotencyKey})` : ''}\n`);
        }
      }
      if (reports.some((r) => !r.matches)) process.exitCode = 1;
    });
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof DataDirLockedError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof AppError) {
    process.stderr.write(`Lỗi / error [${e.code}]: ${e.detail?.vi ?? e.message}${e.detail ? ` / ${e.detail.en}` : ''}\n`);
    process.exit(1);
  }
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Lỗi không mong đợi / unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
