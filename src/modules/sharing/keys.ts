/**
 * The platform's Ed25519 signing key for message-log checkpoints. The private key lives in
 * `<dataDir>/keys/ldop-ed25519.pem` (directory 0700, file 0600), created once on first use; its
 * public key is registered in `ldop_signing_keys` so that anyone — both sides of an exchange, an
 * auditor, `provdata ldop verify` on another machine — can check a checkpoint from the database or a
 * downloaded archive alone. Several instances on one PostgreSQL each keep their own key file; every
 * public key is registered, so checkpoints signed by any of them verify.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** Key id: the first 16 bytes (hex) of SHA-256 over the public key's DER (SPKI). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

/** Loads the key file, creating it (0600) when absent. Tightens permissions left too open. */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'ldop-ed25519.pem');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      // 'wx': two processes starting together never overwrite each other's key.
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const privateKey = createPrivateKey(readFileSync(file));
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointMessage(c: { lastId: number; headHash: string; at: string }): Buffer {
  return Buffer.from(`provdata-ldop-checkpoint/v1\n${c.lastId}\n${c.headHash}\n${c.at}`, 'utf8');
}

export function signCheckpoint(key: SigningKey, c: { lastId: number; headHash: string; at: string }): string {
  return sign(null, checkpointMessage(c), key.privateKey).toString('base64');
}

/** True when `signature` (base64) is a valid Ed25519 signature of the checkpoint by `publicKeyPem`. */
export function verifyCheckpoint(publicKeyPem: string, c: { lastId: number; headHash: string; at: string }, signature: string): boolean {
  try {
    return verify(null, checkpointMessage(c), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
