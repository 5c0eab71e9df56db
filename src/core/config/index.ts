import { isIP } from 'node:net';
import path from 'node:path';

/**
 * Every configuration variable of provdata, in one place: name, default, meaning.
 * The README's configuration table is checked against this list by a test, so the two cannot drift.
 */
export const CONFIG_VARIABLES = [
  { name: 'PORT', default: '8080', doc: 'TCP port the HTTP server listens on (0 = any free port).' },
  { name: 'HOST', default: '0.0.0.0', doc: 'Interface to listen on; 127.0.0.1 keeps the server local.' },
  { name: 'PROVDATA_DATA_DIR', default: './data', doc: 'Where the embedded database (pg/), raw files (objects/), the key file (keys/), the audit log\'s signed head (audit/) and the lock live.' },
  { name: 'DATABASE_URL', default: '', doc: 'PostgreSQL URL (postgres://…). When set, PostgreSQL is used instead of the embedded PGlite.' },
  { name: 'PROVDATA_DB_POOL_MAX', default: '10', doc: 'Maximum PostgreSQL connections in the pool.' },
  { name: 'PROVDATA_ADMIN_USER', default: 'admin', doc: 'User name of the bootstrap administrator created on first run.' },
  { name: 'PROVDATA_ADMIN_PASSWORD', default: '', doc: 'Password of the bootstrap administrator (at least 12 characters). Empty: generated once and printed once.' },
  { name: 'PROVDATA_SEED_DEMO', default: 'true', doc: 'Seed the Gia Lai demo (province, 135 communes, agencies) on first run.' },
  { name: 'PROVDATA_SESSION_HOURS', default: '12', doc: 'Lifetime of a login session, in hours.' },
  { name: 'PROVDATA_COOKIE_SECURE', default: 'auto', doc: 'Mark session cookies Secure: auto (when the request came over HTTPS, directly or as a trusted proxy says), true (always), false (never).' },
  { name: 'PROVDATA_LOGIN_MAX_FAILURES', default: '5', doc: 'Failed logins for one account from one client address before that address is locked out of that account.' },
  { name: 'PROVDATA_LOGIN_LOCK_MINUTES', default: '15', doc: 'First lock-out, in minutes; each further failure from the same address doubles it (up to a day).' },
  { name: 'PROVDATA_LOGIN_RATE_PER_MINUTE', default: '20', doc: 'Login attempts allowed per client address per minute.' },
  { name: 'PROVDATA_TRUST_PROXY', default: '', doc: 'Addresses of the reverse proxies whose X-Forwarded-For/-Proto are believed: comma-separated IPs or CIDRs (10.0.0.5, 10.1.0.0/16) or loopback, linklocal, uniquelocal. Empty: none. `true` is refused (it would believe any client).' },
  { name: 'PROVDATA_OUTBOUND_ALLOW', default: '', doc: 'Targets on internal networks that proxied LDOP services and webhooks may call: comma-separated host names, IPs or CIDRs (api.sonnmt.local, 10.20.0.0/16). Empty: public internet addresses only.' },
  { name: 'PROVDATA_SECRET_KEY', default: '', doc: 'Key (32 bytes, base64) sealing secrets kept in the database, such as national targets\' tokens. Empty: a key file generated in <data dir>/keys/.' },
  { name: 'PROVDATA_MAX_UPLOAD_MB', default: '2048', doc: 'Largest file a steward may upload, in MB.' },
  { name: 'PROVDATA_INGEST_WORKERS', default: 'auto', doc: 'Threads that check one large CSV file: 1, 2 (files from 32 MB are cut into blocks read side by side), or auto (2 on a machine with 4 or more cores).' },
  { name: 'PROVDATA_LARGE_DATASET_ROWS', default: '200000', doc: 'Rows from which a dataset version is large: a filter, search or sort no index serves is refused (FILTER_NOT_INDEXED) instead of reading every row, and filtered totals are estimated beyond 10,000 matches.' },
  { name: 'LOG_LEVEL', default: 'info', doc: 'pino log level: fatal, error, warn, info, debug, trace, silent.' },
] as const;

export type ConfigVariable = (typeof CONFIG_VARIABLES)[number]['name'];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly dbPoolMax: number;
  readonly adminUser: string;
  readonly adminPassword: string | null;
  readonly seedDemo: boolean;
  readonly sessionHours: number;
  /** 'auto': Secure when the request's protocol is https (see {@link Config.trustProxy}). */
  readonly cookieSecure: boolean | 'auto';
  readonly loginMaxFailures: number;
  readonly loginLockMinutes: number;
  readonly loginRatePerMinute: number;
  /** Proxies whose forwarding headers are believed (Fastify's trustProxy list); empty: none. */
  readonly trustProxy: readonly string[];
  readonly maxUploadMb: number;
  /** Threads that check one large CSV file; 'auto': 2 with 4 cores or more (see ingest/load-feed.ts). */
  readonly ingestWorkers: 1 | 2 | 'auto';
  readonly largeDatasetRows: number;
  /** Base64 of 32 bytes, or null for the key file in the data directory (core/secrets.ts). Never logged. */
  readonly secretKey: string | null;
  /** Host names and IPs/CIDRs outbound LDOP calls may reach although private (sharing/outbound.ts). */
  readonly outboundAllow: readonly string[];
  readonly logLevel: string;
}

/** Thrown by {@link loadConfig} with every problem found, so an operator fixes them all at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cấu hình không hợp lệ / invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and checks the configuration from an environment-like object. Pure: tests pass their own env.
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const raw = (name: ConfigVariable): string => {
    const v = env[name];
    if (v !== undefined && v !== '') return v.trim();
    return CONFIG_VARIABLES.find((c) => c.name === name)!.default;
  };
  const int = (name: ConfigVariable, min: number, max: number): number => {
    const v = raw(name);
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(v)}: phải là số nguyên từ ${min} đến ${max} / must be an integer ${min}–${max}`);
      return min;
    }
    return n;
  };
  const bool = (name: ConfigVariable): boolean => {
    const v = raw(name).toLowerCase();
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    problems.push(`${name}=${JSON.stringify(v)}: phải là true hoặc false / must be true or false`);
    return false;
  };
  const url = (name: ConfigVariable, schemes: string[]): string | null => {
    const v = raw(name);
    if (!v) return null;
    try {
      const u = new URL(v);
      if (!schemes.includes(u.protocol.replace(/:$/, ''))) throw new Error('scheme');
      return v;
    } catch {
      // Never echo the value: a database URL may carry a password.
      problems.push(`${name}: phải là URL ${schemes.join('|')}://… / must be a ${schemes.join('|')}:// URL`);
      return null;
    }
  };

  const adminUser = raw('PROVDATA_ADMIN_USER');
  if (!/^[a-z0-9._-]{2,64}$/i.test(adminUser)) {
    problems.push(`PROVDATA_ADMIN_USER=${JSON.stringify(adminUser)}: 2–64 ký tự a-z, 0-9, . _ - / 2–64 characters a-z 0-9 . _ -`);
  }
  const adminPassword = raw('PROVDATA_ADMIN_PASSWORD') || null;
  if (adminPassword !== null && adminPassword.length < 12) {
    problems.push('PROVDATA_ADMIN_PASSWORD: cần ít nhất 12 ký tự / needs at least 12 characters');
  }
  const logLevel = raw('LOG_LEVEL').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: một trong / one of ${LOG_LEVELS.join(', ')}`);
  }
  const secretKey = raw('PROVDATA_SECRET_KEY') || null;
  // Never echo the value: it is the key.
  if (secretKey !== null && Buffer.from(secretKey, 'base64').length !== 32) problems.push('PROVDATA_SECRET_KEY: cần 32 byte dạng base64 (openssl rand -base64 32) / must be 32 bytes in base64');
  const host = raw('HOST');
  if (!/^[a-z0-9.:\-[\]]+$/i.test(host)) problems.push(`HOST=${JSON.stringify(host)}: không phải địa chỉ hợp lệ / not a valid address`);

  const config: Config = {
    port: int('PORT', 0, 65535),
    host,
    dataDir: path.resolve(raw('PROVDATA_DATA_DIR')),
    databaseUrl: url('DATABASE_URL', ['postgres', 'postgresql']),
    dbPoolMax: int('PROVDATA_DB_POOL_MAX', 1, 500),
    adminUser,
    adminPassword,
    seedDemo: bool('PROVDATA_SEED_DEMO'),
    sessionHours: int('PROVDATA_SESSION_HOURS', 1, 24 * 30),
    cookieSecure: raw('PROVDATA_COOKIE_SECURE').toLowerCase() === 'auto' ? 'auto' : bool('PROVDATA_COOKIE_SECURE'),
    loginMaxFailures: int('PROVDATA_LOGIN_MAX_FAILURES', 1, 1000),
    loginLockMinutes: int('PROVDATA_LOGIN_LOCK_MINUTES', 1, 24 * 60),
    loginRatePerMinute: int('PROVDATA_LOGIN_RATE_PER_MINUTE', 1, 100000),
    trustProxy: proxies(raw('PROVDATA_TRUST_PROXY'), problems),
    maxUploadMb: int('PROVDATA_MAX_UPLOAD_MB', 1, 1024 * 1024),
    ingestWorkers: raw('PROVDATA_INGEST_WORKERS') === 'auto' ? 'auto' : (int('PROVDATA_INGEST_WORKERS', 1, 2) as 1 | 2),
    largeDatasetRows: int('PROVDATA_LARGE_DATASET_ROWS', 1, 2 ** 31 - 1),
    secretKey,
    outboundAllow: outboundTargets(raw('PROVDATA_OUTBOUND_ALLOW'), problems),
    logLevel,
  };
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Address ranges proxy-addr (Fastify's trustProxy) knows by name. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * PROVDATA_TRUST_PROXY as a list of trusted proxy addresses. `true` (and a hop count) is refused
 * rather than mapped: believing X-Forwarded-For from any client lets anyone choose the address that
 * login throttling, key limits and the audit see.
 */
function proxies(v: string, problems: string[]): string[] {
  if (!v || v.toLowerCase() === 'false') return [];
  if (['true', '1', 'yes'].includes(v.toLowerCase()) || /^\d+$/.test(v)) {
    problems.push(`PROVDATA_TRUST_PROXY=${JSON.stringify(v)}: hãy liệt kê địa chỉ của reverse proxy (IP hoặc CIDR, ví dụ 10.0.0.5 hoặc 10.0.0.0/24), không dùng true — như thế mọi máy khách đều giả được X-Forwarded-For / list the reverse proxies' addresses (IPs or CIDRs), not true, which would let any client forge X-Forwarded-For`);
    return [];
  }
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((a) => !PROXY_RANGES.includes(a.toLowerCase()) && !isAddressOrCidr(a));
  if (bad.length) problems.push(`PROVDATA_TRUST_PROXY: không phải IP/CIDR / not an IP or CIDR: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return list.map((a) => (PROXY_RANGES.includes(a.toLowerCase()) ? a.toLowerCase() : a));
}

function isAddressOrCidr(a: string): boolean {
  const [ip, bits, more] = a.split('/');
  const family = isIP(ip ?? '');
  if (!family || more !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** PROVDATA_OUTBOUND_ALLOW: host names, IPs and CIDRs an administrator lets the LDOP call although internal. */
function outboundTargets(v: string, problems: string[]): string[] {
  const list = v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = list.filter((e) => !isAddressOrCidr(e) && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(e));
  if (bad.length) problems.push(`PROVDATA_OUTBOUND_ALLOW: không phải tên máy, IP hay CIDR / not a host name, IP or CIDR: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return list;
}
