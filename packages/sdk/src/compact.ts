/**
 * `compact({ a, b })` drops the properties whose value is `undefined`, so an object of maybe-set
 * values can be passed where `exactOptionalPropertyTypes` forbids an explicit `undefined`. The
 * one helper for what used to be `...(x !== undefined ? { x } : {})` at every call site.
 */

type UndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** `T` with every property that may be `undefined` made optional (and never `undefined`). */
export type Compact<T> = {
  [K in Exclude<keyof T, UndefinedKeys<T>>]: T[K];
} & {
  [K in UndefinedKeys<T>]?: Exclude<T[K], undefined>;
};

export function compact<T extends object>(object: T): Compact<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) out[key] = value;
  }
  return out as Compact<T>;
}
