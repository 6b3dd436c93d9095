import { DataSourceError } from '../../src/index.js';

/** The paths of the issues an INVALID_INPUT lists in `details.issues`. */
export function issuePaths(error: DataSourceError): string[] {
  if (!DataSourceError.is(error, 'INVALID_INPUT')) return [];
  return error.details.issues.map((issue) => issue.path);
}
