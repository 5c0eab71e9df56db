/**
 * Secrets kept in the database (a national system's bearer token, …) are sealed with AES-256-GCM
 * before they are written, so a database dump or a backup does not hand them out. The key is
 * PROVDATA_SECRET_KEY (32 bytes, base64) when set — production keeps it in its secret store, apart
 * from the database — else a key file generated on first start in `<data dir>/keys/` (mode 0600).
 *
 * Sealed text: `sealed:v1:<iv>:<tag>:<ciphertext>` (base64). Text without that prefix is a value
 * written before sealing existed; `unseal` returns it as it is and `reseal` jobs rewrite it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PREFIX = 'sealed:v1:';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** @throws Error when PROVDATA_SECRET_KEY is not 32 bytes of base64. */
  static open(dataDir: string, configured: string | null): SecretBox {
    if (configured) {
      const key = Buffer.from(configured, 'base64');
      if (key.length !== 32) throw new Error('PROVDATA_SECRET_KEY must be 32 bytes in base64 (openssl rand -base64 32)');
      return new SecretBox(key);
    }
    const dir = path.join(dataDir, 'keys');
    const file = path.join(dir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      try {
        // 'wx': two processes starting together never overwrite each other's key.
        writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      }
    }
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return SecretBox.open(dataDir, readFileSync(file, 'utf8').trim());
  }

  /**
   * A 32-byte key for one purpose (`warehouse-cursor`, …), derived from this box's key with HKDF-SHA256:
   * each use gets its own key, none of them opens the sealed secrets, and all follow the one
   * configured key (rotate PROVDATA_SECRET_KEY and they all change).
   */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `provdata:${purpose}`, 32));
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  /** @throws Error when the text was sealed with another key or altered. */
  unseal(stored: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const [iv, tag, ct] = stored.slice(PREFIX.length).split(':');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv ?? '', 'base64'));
    decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ct ?? '', 'base64')), decipher.final()]).toString('utf8');
  }
}
