/**
 * A snapshot's tag is made under a key derived from the current master key
 * and checks out under any key the instance holds, and under no other key
 * or for other bytes.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { createSnapshotMac } from '../../src/security/snapshot-mac.js';

const body = Buffer.from('{"format":"s2-x","position":3,"streams":[],"secrets":[]');

it('checks out a tag made under the current key', () => {
  const mac = createSnapshotMac([randomBytes(32)]);
  expect(mac.verify(body, mac.sign(body))).toBe(true);
});

it('checks out a tag made under an older key the instance still holds', () => {
  const [older, current] = [randomBytes(32), randomBytes(32)];
  const tag = createSnapshotMac([older]).sign(body);
  expect(createSnapshotMac([current, older]).verify(body, tag)).toBe(true);
});

it('refuses a tag made under a key the instance does not hold', () => {
  const tag = createSnapshotMac([randomBytes(32)]).sign(body);
  expect(createSnapshotMac([randomBytes(32)]).verify(body, tag)).toBe(false);
});

it('refuses a tag of other bytes', () => {
  const mac = createSnapshotMac([randomBytes(32)]);
  const altered = Buffer.from(body);
  altered[altered.length - 2] = 0x20;
  expect(mac.verify(altered, mac.sign(body))).toBe(false);
});

it('refuses a tag of the wrong shape without throwing', () => {
  const mac = createSnapshotMac([randomBytes(32)]);
  const [keyId] = mac.sign(body).split(':');
  for (const tag of ['', 'nothing', `${keyId}:`, `${keyId}:zz`, `${keyId}:${'0'.repeat(64)}`]) {
    expect(mac.verify(body, tag)).toBe(false);
  }
});

it('tags under a key derived from the master key, never the master key itself', () => {
  const key = randomBytes(32);
  const [, hex] = createSnapshotMac([key]).sign(body).split(':');
  expect(hex).not.toBe(createHmac('sha256', key).update(body).digest('hex'));
});
