import type { CustomerDataSource } from './data-source.js';

/**
 * The state of one source's stream: how many events it holds and the source
 * they fold to, or null before registration and after deletion.
 */
export interface SourceStream {
  readonly version: number;
  readonly source: CustomerDataSource | null;
}

/** A stream with no events. */
export const EMPTY_STREAM: SourceStream = Object.freeze({ version: 0, source: null });

/** True when the stream holds a deleted source, whose id can never be used again. */
export function isDeleted(stream: SourceStream): boolean {
  return stream.version > 0 && stream.source === null;
}
