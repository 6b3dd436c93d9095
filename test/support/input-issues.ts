import type { DataSourceError } from '../../src/index.js';

/** The paths of the issues an INVALID_INPUT lists in `details.issues`. */
export function issuePaths(error: DataSourceError): string[] {
  return ((error.details?.issues ?? []) as { path: string }[]).map((issue) => issue.path);
}
