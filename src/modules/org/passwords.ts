import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, opts, (e, k) => (e ? reject(e) : resolve(k))));

// N=2^15, r=8, p=1: ~60 ms on this class of machine, 32 MiB of memory per hash (OWASP minimum is 2^17 with r=8 for 128 MiB;
// we trade some of that for login latency on 2 cores; raise N in a new hash format when hardware allows).
const N = 32768;
const R = 8;
const P = 1;
const MAXMEM = 64 * 1024 * 1024;

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, 32, { N, r: R, p: P, maxmem: MAXMEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Checks a password against a stored hash in constant time. False for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n), r: Number(r), p: Number(p), maxmem: MAXMEM,
  });
  return timingSafeEqual(key, expected);
}

/** A password people can read aloud: 20 characters from an unambiguous alphabet (~110 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out.replace(/(.{5})(?=.)/g, '$1-');
}

/** Password policy. Returns problems in Vietnamese and English, empty when acceptable. */
export function passwordProblems(pw: string): { vi: string; en: string } | null {
  if (pw.length < 12) return { vi: 'Mật khẩu cần ít nhất 12 ký tự', en: 'Password needs at least 12 characters' };
  if (pw.length > 256) return { vi: 'Mật khẩu quá dài (tối đa 256 ký tự)', en: 'Password too long (256 max)' };
  return null;
}
