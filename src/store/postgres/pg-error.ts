/** The fields of a PostgreSQL error the store looks at; absent on network and client errors. */
export interface PgErrorFields {
  readonly code?: string;
  readonly detail?: string;
  readonly constraint?: string;
}

/** Reads the server's error fields without trusting the shape of what was thrown. */
export function pgErrorFields(error: unknown): PgErrorFields {
  if (typeof error !== 'object' || error === null) return {};
  const { code, detail, constraint } = error as Record<string, unknown>;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof detail === 'string' ? { detail } : {}),
    ...(typeof constraint === 'string' ? { constraint } : {}),
  };
}
