import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretBox } from './secrets.js';

test('a sealed secret round-trips, differs each time, and cannot be altered or opened with another key', () => {
  const box = SecretBox.open('/nonexistent', randomBytes(32).toString('base64'));
  const secret = 'Bearer mã-bí-mật-0123456789';
  const a = box.seal(secret);
  const b = box.seal(secret);
  assert.match(a, /^sealed:v1:/);
  assert.notEqual(a, b, 'a fresh IV every time');
  assert.ok(!a.includes('0123456789'));
  assert.equal(box.unseal(a), secret);
  assert.equal(box.unseal('a token written before sealing'), 'a token written before sealing');
  const [head, iv, tag, ct] = [a.slice(0, 10), ...a.slice(10).split(':')];
  const flipped = Buffer.from(ct!, 'base64');
  flipped[0]! ^= 1;
  assert.throws(() => box.unseal(`${head}${iv}:${tag}:${flipped.toString('base64')}`), 'altered text is refused (GCM tag)');
  const other = SecretBox.open('/nonexistent', randomBytes(32).toString('base64'));
  assert.throws(() => other.unseal(a), 'another key cannot open it');
  assert.throws(() => SecretBox.open('/nonexistent', Buffer.alloc(16).toString('base64')), /32 bytes/);
});

test('without a configured key, one is generated once in the data directory, private to its owner', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'provdata-secrets-'));
  try {
    const sealed = SecretBox.open(dir, null).seal('x');
    const file = path.join(dir, 'keys', 'secret.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(SecretBox.open(dir, null).unseal(sealed), 'x', 'the next start reads the same key');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a derived key is stable for its purpose, differs between purposes, and is not the sealing key', () => {
  const key = randomBytes(32).toString('base64');
  const box = SecretBox.open('/nonexistent', key);
  const a = box.derive('warehouse-cursor');
  assert.equal(a.length, 32);
  assert.deepEqual(SecretBox.open('/nonexistent', key).derive('warehouse-cursor'), a, 'every instance with the key derives the same');
  assert.notDeepEqual(box.derive('other-use'), a);
  assert.notDeepEqual(a, Buffer.from(key, 'base64'));
  assert.notDeepEqual(SecretBox.open('/nonexistent', randomBytes(32).toString('base64')).derive('warehouse-cursor'), a);
});
