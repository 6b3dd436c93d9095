/**
 * The largest input the registry accepts, the same in every store. Text is
 * measured in UTF-8 bytes, as a store keeps it: the ids and names that land in
 * a store's unique indexes (a name is claimed as tenant id + normalized name)
 * stay well under PostgreSQL's B-tree row limit of about 2,700 bytes, even
 * after case folding. JSON sizes are the UTF-8 bytes of the value's JSON text.
 */
export const LIMITS = Object.freeze({
  /** A tenant id, after trimming and NFC. */
  tenantIdBytes: 200,
  /** A source id, given or generated. */
  sourceIdBytes: 200,
  /** A name after trimming, and its normalized (NFC, lower-case) form. */
  nameBytes: 400,
  /** One tag, after trimming. */
  tagBytes: 100,
  /** One access role, after trimming. */
  roleBytes: 100,
  /** Distinct tags on one source. */
  tagsPerSource: 200,
  /** Distinct access roles on one source. */
  rolesPerSource: 200,
  /** A description. */
  descriptionBytes: 4_096,
  /** An owner id. */
  ownerIdBytes: 200,
  /** The message of `recordError`. */
  errorMessageBytes: 4_096,
  /** `connectionString`. */
  connectionStringBytes: 4_096,
  /** Every other text field of a config: host, username, password, database, authType, apiKey, sslCertPath. */
  configTextBytes: 1_024,
  /** A source's metadata, as JSON text. */
  metadataBytes: 65_536,
  /** A config's `options`, as JSON text. */
  optionsBytes: 65_536,
  /** A config's `oauthConfig`, as JSON text. */
  oauthConfigBytes: 16_384,
  /** A command context's `metadata`, as JSON text. */
  contextMetadataBytes: 8_192,
  /** A command context's `actor`, `correlationId` and `causationId`. */
  contextTextBytes: 200,
  /** How deeply any JSON value may nest; the outermost object or array is level 1. */
  jsonDepth: 32,
});

/** The limits' type: every number is a maximum, inclusive. */
export type Limits = typeof LIMITS;
