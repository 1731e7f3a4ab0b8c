/**
 * kube-openapi's `formatValidator`, for the formats the fake API server checks. The others
 * (int32, int64, double, float, byte, …) are accepted as the type check already covered them.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isValidFormat(format: string, value: string): boolean {
  switch (format) {
    case 'date-time':
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
    default:
      return true;
  }
}
