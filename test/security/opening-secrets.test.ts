/**
 * How `openEventSecrets` reports a secret it cannot hand out: where the event
 * sits, which field, and why, so an operator can find the row in the log.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import {
  isSealedValue,
  openEventSecrets,
  SEALED_KEY,
  secretAad,
} from '../../src/security/event-secrets.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import type { PendingEvent, StoredEvent } from '../../src/store/event-store.js';
import { caught } from '../support/given-when-then.js';
import { eventConfig, registrationWith } from '../support/plain.js';

const cipher = createSecretCipher(new Uint8Array(randomBytes(32)));

/** A registration whose config holds `password` exactly as given (sealed or not). */
function registered(password: unknown): PendingEvent {
  return registrationWith({ ...eventConfig({ host: 'db.internal' }), password });
}

function stored(event: PendingEvent, position: number): StoredEvent {
  return { ...event, position } as StoredEvent;
}

describe('a secret found in plaintext', () => {
  it('is located by its position when the event is stored', () => {
    const error = caught(() => openEventSecrets(stored(registered('plain'), 7), cipher));
    expect(error.message).toBe(
      'Event at position 7: config.password of data source s1 is stored in plaintext, not encrypted',
    );
  });

  it('is located by its event id when the event has no position yet', () => {
    const error = caught(() => openEventSecrets(registered('plain'), cipher));
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
    expect(error.message).toBe(
      'Event e-s1-1: config.password of data source s1 is stored in plaintext, not encrypted',
    );
    expect(error.details).toEqual({ eventId: 'e-s1-1', path: 'config.password' });
  });
});

describe('a sealed secret without a key', () => {
  it('names the event and the field in the details', () => {
    const event = registered({ [SEALED_KEY]: 'v1:x:y:z:w' });
    const error = caught(() => openEventSecrets(event, null));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.sourceId).toBe('s1');
    expect(error.details).toEqual({ eventId: 'e-s1-1', path: 'config.password' });
  });
});

describe('a sealed secret the key cannot open', () => {
  it('says which field of which source, then the reason, once', () => {
    const other = createSecretCipher(new Uint8Array(randomBytes(32)));
    const event = registered(null);
    const token = other.seal('"pw"', secretAad(event, ['config', 'password']));
    const error = caught(() => openEventSecrets(registered({ [SEALED_KEY]: token }), cipher));
    expect(error.message).toMatch(
      /^Cannot decrypt config\.password of data source s1: it was encrypted under key [0-9a-f]{16}, /,
    );
    expect(error.message.match(/Cannot decrypt/g)).toHaveLength(1);
  });
});

describe('a sealed secret that opens to something that is not JSON', () => {
  it('is CORRUPT_LOG, naming the event and the field', () => {
    const event = stored(registered(null), 3);
    const token = cipher.seal('not json', secretAad(event, ['config', 'password']));
    const error = caught(() =>
      openEventSecrets(stored(registered({ [SEALED_KEY]: token }), 3), cipher),
    );
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
    expect(error.message).toBe(
      'Event e-s1-1: config.password decrypts to something that is not JSON',
    );
    expect(error.details).toEqual({ position: 3, eventId: 'e-s1-1', path: 'config.password' });
  });
});

describe('isSealedValue', () => {
  it('is false for undefined, numbers and strings, without throwing', () => {
    for (const value of [undefined, 0, '', '$sealed']) expect(isSealedValue(value)).toBe(false);
  });

  it('is false for an object whose one string value sits under another key', () => {
    expect(isSealedValue({ sealed: 'v1:x' })).toBe(false);
  });
});
