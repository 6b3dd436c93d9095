import type { z } from 'zod';
import type { DataSourceStatus, DataSourceType } from './enums.js';

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

/** Details a code leaves open: named facts about the failure, for logs and tools. */
export type OpenDetails = { readonly [key: string]: unknown };

/** A stream was not at the version the writer expected. */
export type VersionConflictDetails = {
  readonly reason: 'version';
  readonly streamId: string;
  readonly expected: number;
  readonly actual: number;
};

/** A unique key (a source's name) was held by another owner. */
export type ClaimConflictDetails = {
  readonly reason: 'claim';
  readonly scope: string;
  readonly key: string;
  readonly heldBy: string;
};

/** A tenant gained a source after a tenant-wide command read it. */
export type TenantConflictDetails = {
  readonly reason: 'tenant';
  readonly tenantId: string;
  readonly after: number;
  readonly createdAt: number;
};

/** A data key the write's secrets were sealed under was destroyed (its tenant purged) first. */
export type DataKeyConflictDetails = {
  readonly reason: 'dataKey';
  readonly dataKeyId: string;
};

/**
 * What `details` holds for each code. Codes whose details are always there
 * say what they hold; the others may carry open details, or none.
 */
export interface ErrorDetailsByCode {
  DATASOURCE_ERROR: OpenDetails | undefined;
  /** Every failed check, with where it failed. */
  INVALID_INPUT: OpenDetails & { readonly issues: readonly InputIssue[] };
  DUPLICATE_ID: OpenDetails | undefined;
  /**
   * The tenant, the name (as the command gave it, or as compared: trimmed,
   * NFC, case-folded, when another instance took it first) and the id of
   * the source holding it.
   */
  DUPLICATE_NAME: {
    readonly tenantId: string;
    readonly name: string;
    readonly heldBy: string;
  };
  /** The command refused (`action`) and, for a live source, its status. */
  INVALID_TRANSITION: { readonly action: string; readonly status?: DataSourceStatus };
  /**
   * Which check the write lost: the stream's version, a name's claim, the
   * tenant's sources, or the data key its secrets were sealed under.
   */
  CONCURRENCY_CONFLICT:
    | VersionConflictDetails
    | ClaimConflictDetails
    | TenantConflictDetails
    | DataKeyConflictDetails;
  FORBIDDEN: OpenDetails | undefined;
  STORE_ERROR: OpenDetails | undefined;
  /** Where the secret sits (`eventId`, `path`) and why it cannot be used (`reason`), when known. */
  SECRET_UNAVAILABLE:
    | (OpenDetails & {
        readonly reason?: string;
        readonly eventId?: string;
        readonly path?: string;
        readonly keyId?: string;
      })
    | undefined;
  /** Where the log is wrong: its position or import line, and the event, when known. */
  CORRUPT_LOG:
    | (OpenDetails & {
        readonly position?: number;
        readonly line?: number;
        readonly eventId?: string;
      })
    | undefined;
}

/** The details of an error with code `C`. */
export type ErrorDetails<C extends ErrorCode = ErrorCode> = ErrorDetailsByCode[C];

/** How to build a {@link DataSourceError} of code `C`; `details` is required where the code always has them. */
export type DataSourceErrorOptions<C extends ErrorCode = ErrorCode> = {
  code?: C;
  sourceId?: string | null;
  sourceType?: DataSourceType | null;
  cause?: unknown;
} & (undefined extends ErrorDetails<C>
  ? { details?: ErrorDetails<C> }
  : { details: ErrorDetails<C> });

/** A {@link DataSourceError} of one of its codes: narrowing on `code` narrows `details`. */
export type AnyDataSourceError = { [C in ErrorCode]: DataSourceError<C> }[ErrorCode];

/**
 * The one error type the library throws for anything a caller can get wrong
 * or meet. `details` is typed by `code`: narrow it with
 * {@link DataSourceError.is} (or `instanceof`, then a switch on `code` of an
 * {@link AnyDataSourceError}).
 */
export class DataSourceError<C extends ErrorCode = ErrorCode> extends Error {
  /** What went wrong, as one of {@link ErrorCode}. */
  readonly code: C;
  /** The source the error concerns, when there is one. */
  readonly sourceId: string | null;
  /** The type of that source, when known. */
  readonly sourceType: DataSourceType | null;
  /** Facts about the failure, shaped by `code` (see {@link ErrorDetailsByCode}). */
  readonly details: ErrorDetails<C>;

  constructor(
    message: string,
    options: DataSourceErrorOptions<C> = {} as DataSourceErrorOptions<C>,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataSourceError';
    this.code = options.code ?? (ErrorCode.DATASOURCE_ERROR as C);
    // Commands name the id they were called with before checking it: a value
    // that is not a string is no id to report.
    this.sourceId = typeof options.sourceId === 'string' ? options.sourceId : null;
    this.sourceType = options.sourceType ?? null;
    this.details = options.details as ErrorDetails<C>;
  }

  /**
   * True when `error` is a DataSourceError, of `code` when one is given; its
   * `details` are then typed for that code.
   *
   * @example
   * if (DataSourceError.is(error, 'INVALID_INPUT')) console.log(error.details.issues);
   */
  static is<K extends ErrorCode = ErrorCode>(
    error: unknown,
    code?: K,
  ): error is AnyDataSourceError & DataSourceError<K> {
    return error instanceof DataSourceError && (code === undefined || error.code === code);
  }

  /** The Python module's `to_dict()` shape, plus the code. */
  toDict(): {
    error: string;
    code: ErrorCode;
    source_id: string | null;
    source_type: DataSourceType | null;
    details?: ErrorDetails;
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
  /** Where, as dotted keys (`config.port`); empty for the value itself. */
  readonly path: string;
  /** What is wrong there. */
  readonly message: string;
}

/**
 * INVALID_INPUT for one value that failed one check: `path` names it (as in
 * `details.issues`), `why` says what is wrong.
 */
export function invalidValue(
  message: string,
  path: string,
  why: string,
  options: Omit<DataSourceErrorOptions, 'code' | 'details'> = {},
): DataSourceError<'INVALID_INPUT'> {
  return new DataSourceError(message, {
    ...options,
    code: ErrorCode.INVALID_INPUT,
    details: { issues: [{ path, message: why }] },
  });
}

/** Turns a zod failure into INVALID_INPUT with `details.issues`. */
export function invalidInput(
  what: string,
  error: z.ZodError,
  options: Omit<DataSourceErrorOptions, 'code' | 'details'> = {},
): DataSourceError<'INVALID_INPUT'> {
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
