import fc from 'fast-check';

/**
 * Arbitraries for what the registry accepts as JSON input. A "__proto__" key
 * is refused on purpose (copying it by assignment would set a prototype), so
 * a property about accepted input must not generate one: it would be testing
 * the refusal, not the property.
 */
const noProtoKey = (value: unknown) => !JSON.stringify(value).includes('"__proto__"');

/** Any JSON value the registry stores unchanged. */
export const storableJson = (maxDepth = 2) => fc.jsonValue({ maxDepth }).filter(noProtoKey);

/** A key of a JSON object the registry accepts. */
export const storableKey = (maxLength = 8) =>
  fc.string({ minLength: 1, maxLength }).filter((key) => key !== '__proto__');
