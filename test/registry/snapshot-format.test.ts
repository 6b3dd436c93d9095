/**
 * The format a snapshot is written in follows the code: any change to the
 * shape of a source, the events' schemas or the fold changes it, without
 * anyone remembering to bump a number, so no snapshot of other code is read.
 */
import { expect, it } from 'vitest';
import { applyEvent } from '../../src/domain/evolve.js';
import {
  SNAPSHOT_LAYOUT,
  snapshotFormat,
  snapshotFormatOf,
  snapshotFormatParts,
} from '../../src/registry/snapshot-format.js';
import { foldStream } from '../../src/state/fold-stream.js';
import { applyEvents } from '../../src/state/write-model.js';

it('is the same on every call of the same code', () => {
  expect(snapshotFormat()).toBe(snapshotFormatOf(snapshotFormatParts()));
  expect(snapshotFormatOf(snapshotFormatParts())).toBe(snapshotFormat());
  expect(snapshotFormat()).toMatch(new RegExp(`^s${SNAPSHOT_LAYOUT}-[0-9a-f]{32}$`));
});

it('is made from the fold’s own code, the source schema and the event schemas', () => {
  const parts = snapshotFormatParts();
  expect(parts).toContain(applyEvent.toString());
  expect(parts).toContain(foldStream.toString());
  expect(parts).toContain(applyEvents.toString());
  // Every field of a source, and every event type, is in some part.
  const text = parts.join('\n');
  for (const field of ['lastConnected', 'secretFingerprints', 'accessRoles', 'errorCount']) {
    expect(text).toContain(`"${field}"`);
  }
  for (const type of ['DataSourceRegistered', 'DataSourceDeleted', 'AccessRevoked']) {
    expect(text).toContain(`"${type}"`);
  }
});

it('changes when any one of its parts changes', () => {
  const parts = snapshotFormatParts();
  const base = snapshotFormatOf(parts);
  parts.forEach((part, i) => {
    const changed = parts.map((other, j) => (j === i ? `${part} ` : other));
    expect(snapshotFormatOf(changed), `part ${i}`).not.toBe(base);
  });
});

it('tells apart parts that only differ in where one ends and the next begins', () => {
  expect(snapshotFormatOf(['ab', 'c'])).not.toBe(snapshotFormatOf(['a', 'bc']));
});
