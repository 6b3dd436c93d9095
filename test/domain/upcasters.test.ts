/**
 * Upcasters on their own: which chains are refused, and what an event too
 * new, not versioned or failing its step says. The audit tests read old
 * events through a registry; these pin the words and details.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { defineUpcasters, type Upcaster, upcastEvent } from '../../src/domain/upcasters.js';
import { failsWith } from '../support/registry-fixtures.js';

const keep = (data: unknown) => data;
const step = (fromVersion: number): Upcaster => ({ type: 'TagAdded', fromVersion, upcast: keep });

const event = (schemaVersion: number) => ({ type: 'TagAdded', schemaVersion, data: { tag: 'x' } });

describe('defining upcasters', () => {
  it('takes steps from version 1 up to the one before the current', () => {
    const chain = defineUpcasters(3, [step(1), step(2)]);
    expect(chain.step('TagAdded', 1)).toBeDefined();
    expect(chain.step('TagAdded', 2)).toBeDefined();
  });

  it.each([0, 3, 1.5, -1])('refuses a step from version %d, naming the range', async (from) => {
    const error = await failsWith(() => defineUpcasters(3, [step(from)]), ErrorCode.INVALID_INPUT);
    expect(error.message).toBe(`Upcaster TagAdded@${from} starts outside versions 1 to 2`);
    expect(error.details).toEqual({
      issues: [{ path: 'fromVersion', message: 'must be 1 to 2' }],
      type: 'TagAdded',
    });
  });

  it('refuses two steps from one version of one type', async () => {
    const error = await failsWith(
      () => defineUpcasters(3, [step(1), step(1)]),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toBe('Two upcasters for TagAdded@1');
    expect(error.details).toEqual({
      issues: [{ path: 'fromVersion', message: 'has an upcaster already' }],
      type: 'TagAdded',
    });
  });
});

describe('upcasting one event', () => {
  const chain = defineUpcasters(3, [
    { type: 'TagAdded', fromVersion: 1, upcast: (data) => ({ ...(data as object), one: true }) },
    { type: 'TagAdded', fromVersion: 2, upcast: (data) => ({ ...(data as object), two: true }) },
  ]);

  it('runs the steps from its own version on, and sets the current version', () => {
    expect(upcastEvent(event(1), chain)).toEqual({
      type: 'TagAdded',
      schemaVersion: 3,
      data: { tag: 'x', one: true, two: true },
    });
    expect(upcastEvent(event(2), chain).data).toEqual({ tag: 'x', two: true });
  });

  it('returns a current event itself', () => {
    const current = event(3);
    expect(upcastEvent(current, chain)).toBe(current);
  });

  it('refuses a version newer than the chain, saying a newer release wrote it', async () => {
    const error = await failsWith(() => upcastEvent(event(4), chain), ErrorCode.CORRUPT_LOG);
    expect(error.message).toBe(
      'Event of type TagAdded: schema version 4 is newer than this release reads (3): it was written by a newer release',
    );
    expect(error.details).toEqual({ type: 'TagAdded', schemaVersion: 4, currentVersion: 3 });
  });

  it.each([0, -2, 1.5, 3.5, Number.NaN])('refuses %d as not a version', async (version) => {
    const error = await failsWith(() => upcastEvent(event(version), chain), ErrorCode.CORRUPT_LOG);
    expect(error.message).toBe(
      `Event of type TagAdded: schema version ${version} is not a version (1 to 3)`,
    );
  });

  it('names the step that threw, and keeps its error as the cause', async () => {
    const cause = new Error('no tag');
    const throwing = defineUpcasters(3, [
      {
        type: 'TagAdded',
        fromVersion: 2,
        upcast: () => {
          throw cause;
        },
      },
    ]);
    const error = await failsWith(() => upcastEvent(event(1), throwing), ErrorCode.CORRUPT_LOG);
    expect(error.message).toBe(
      'Event of type TagAdded: raising its data from schema version 2 failed: no tag',
    );
    expect(error.details).toEqual({ type: 'TagAdded', schemaVersion: 1, failedAt: 2 });
    expect(error.cause).toBe(cause);
  });
});
