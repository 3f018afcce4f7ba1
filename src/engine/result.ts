/**
 * Three-valued check results, ordered NO < CONDITIONAL < HAS so that union is max, intersection
 * is min, and the least fixed point of a cycle starts from NO.
 */
export const NO = 0;
export const CONDITIONAL = 1;
export const HAS = 2;
export type CheckValue = typeof NO | typeof CONDITIONAL | typeof HAS;

/** SpiceDB's names for the three answers. */
export type Permissionship = "NO_PERMISSION" | "CONDITIONAL_PERMISSION" | "HAS_PERMISSION";

export function permissionship(v: CheckValue): Permissionship {
  return v === HAS ? "HAS_PERMISSION" : v === CONDITIONAL ? "CONDITIONAL_PERMISSION" : "NO_PERMISSION";
}

export function minValue(a: CheckValue, b: CheckValue): CheckValue {
  return a < b ? a : b;
}
export function maxValue(a: CheckValue, b: CheckValue): CheckValue {
  return a > b ? a : b;
}
