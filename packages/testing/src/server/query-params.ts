/**
 * Query parameters decoded the way the API server's parameter codec does
 * (`k8s.io/apimachinery/pkg/runtime/conversion.go`, `Convert_Slice_string_To_bool` and
 * `Convert_Slice_string_To_Pointer_bool`): the first value counts; only an absent parameter,
 * `0`, or `false` in any letter case (`strings.EqualFold`) is false. Anything else, the empty
 * string and Python's `True` included, is true.
 */

/** A boolean query parameter (`watch`, `allowWatchBookmarks`, `follow`, …) as the API server reads it. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** A `*bool` query parameter (`force`, `orphanDependents`): `undefined` when absent. */
export function queryOptionalBool(q: URLSearchParams, name: string): boolean | undefined {
  return q.has(name) ? queryBool(q, name) : undefined;
}
