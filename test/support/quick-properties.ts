/**
 * Set up before each test file of a quick run (see `property-runs.ts`): a
 * property that names no number of cases tries a tenth of fast-check's 100.
 */
import fc from 'fast-check';
import { propertyRuns } from './property-runs.js';

fc.configureGlobal({ numRuns: propertyRuns(100) });
