import type { DataSourceError, OpenDetails } from '../../src/index.js';

/** An error's details as plain named facts, for assertions that need not narrow its code. */
export function detailsOf(error: DataSourceError): OpenDetails {
  return error.details ?? {};
}
