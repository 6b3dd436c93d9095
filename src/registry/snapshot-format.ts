import { createHash } from 'node:crypto';
import { z } from 'zod';
import { customerDataSourceSchema } from '../domain/data-source.js';
import { CURRENT_SCHEMA_VERSION, dataSourceEventSchema } from '../domain/events.js';
import { applyEvent } from '../domain/evolve.js';
import {
  snapshotSecretsReader,
  snapshotSecretsWriter,
} from '../security/snapshot-secret-bundles.js';
import { foldStream } from '../state/fold-stream.js';
import { applyEvents } from '../state/write-model.js';
import { SNAPSHOT_CODEC_CODE } from './snapshot-codec.js';

/**
 * The layout of the snapshot's bytes (see snapshot-codec.ts), for people
 * reading a stored format; the codec's code is in the format anyway.
 */
export const SNAPSHOT_LAYOUT = 3;

/**
 * What a snapshot's meaning depends on, each as text: the layout, the shape
 * of a source (its zod schema, whose key order the codec writes in), the
 * events' schemas and their current version, the fold itself, as the source
 * text of the functions that fold events into the write model, and the code
 * of the codec that writes and reads the bytes, the secrets' bundles included. A change to any of them, the fold's code
 * included, changes the format, so a snapshot written by other code is
 * ignored without anyone having to remember to bump a number; a build that
 * only reformats the code costs one full replay, never a wrong state. The
 * query projections are not in it: they are rebuilt from the snapshot's
 * sources on load, never saved.
 */
export function snapshotFormatParts(): readonly string[] {
  const schema = (type: z.ZodType) =>
    JSON.stringify(z.toJSONSchema(type, { unrepresentable: 'any' }));
  return [
    `layout ${SNAPSHOT_LAYOUT}`,
    schema(customerDataSourceSchema),
    schema(dataSourceEventSchema),
    `events v${CURRENT_SCHEMA_VERSION}`,
    applyEvent.toString(),
    foldStream.toString(),
    applyEvents.toString(),
    ...SNAPSHOT_CODEC_CODE,
    snapshotSecretsWriter.toString(),
    snapshotSecretsReader.toString(),
  ];
}

/** The format of a set of parts: `s<layout>-<hash of every part>`. */
export function snapshotFormatOf(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return `s${SNAPSHOT_LAYOUT}-${hash.digest('hex').slice(0, 32)}`;
}

let current: string | undefined;

/** The format this code writes and the only one it reads; made once, on first use. */
export function snapshotFormat(): string {
  current ??= snapshotFormatOf(snapshotFormatParts());
  return current;
}
