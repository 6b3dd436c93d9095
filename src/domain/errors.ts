import type { z } from 'zod';
import type { DataSourceType } from './enums.js';

/** Every code a {@link DataSourceError} can carry. */
export const ErrorCode = {
  /** The generic code of an error raised without a more precise one. */
  DATASOURCE_ERROR: 'DATASOURCE_ERROR',
  INVALID_INPUT: 'INVALID_INPUT',
  DUPLICATE_ID: 'DUPLICATE_ID',
  DUPLICATE_NAME: 'DUPLICATE_NAME',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  CONCURRENCY_CONFLICT: 'CONCURRENCY_CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  STORE_ERROR: 'STORE_ERROR',
  SECRET_UNAVAILABLE: 'SECRET_UNAVAILABLE',
  CORRUPT_LOG: 'CORRUPT_LOG',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface DataSourceErrorOptions {
  code?: ErrorCode;
  sourceId?: string | null;
  sourceType?: DataSourceType | null;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type the library throws for anything a caller can get wrong or meet. */
export class DataSourceError extends Error {
  readonly code: ErrorCode;
  readonly sourceId: string | null;
  readonly sourceType: DataSourceType | null;
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: DataSourceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataSourceError';
    this.code = options.code ?? ErrorCode.DATASOURCE_ERROR;
    // Commands name the id they were called with before checking it: a value
    // that is not a string is no id to report.
    this.sourceId = typeof options.sourceId === 'string' ? options.sourceId : null;
    this.sourceType = options.sourceType ?? null;
    this.details = options.details;
  }

  /** The Python module's `to_dict()` shape, plus the code. */
  toDict(): {
    error: string;
    code: ErrorCode;
    source_id: string | null;
    source_type: DataSourceType | null;
    details?: Record<string, unknown>;
  } {
    return {
      error: this.message,
      code: this.code,
      source_id: this.sourceId,
      source_type: this.sourceType,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** One failed check of an input, as listed in `details.issues`. */
export interface InputIssue {
  path: string;
  message: string;
}

/** Turns a zod failure into INVALID_INPUT with `details.issues`. */
export function invalidInput(
  what: string,
  error: z.ZodError,
  options: Omit<DataSourceErrorOptions, 'code' | 'details'> = {},
): DataSourceError {
  const issues: InputIssue[] = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new DataSourceError(`Invalid ${what}: ${summary}`, {
    ...options,
    code: ErrorCode.INVALID_INPUT,
    details: { issues },
  });
}

/** Parses with a zod schema, throwing INVALID_INPUT instead of a ZodError. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  options: Omit<DataSourceErrorOptions, 'code' | 'details'> = {},
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(what, result.error, options);
  return result.data;
}
