/** Reported by `/healthz`; kept in step with package.json by hand. */
export const RUNNER_VERSION = '0.1.0';
