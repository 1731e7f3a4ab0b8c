/**
 * V8 flags for the node that runs the runner bundle, passed by the launchers Corral controls
 * (the local provider). Measured in docs/decisions/0048: the runner's work is I/O and process
 * plumbing, so the optimizing compiler buys no latency it can measure, while its code and a
 * young generation grown to V8's default 16 MB semi-spaces made up most of the runner's RSS
 * growth over thousands of commands.
 */
export const RUNNER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--lite-mode',
  // lite mode turns WebAssembly off and says so on stderr at every start (the runner uses none)
  '--no-expose-wasm',
  // lets the runner collect at quiet moments (idle-gc.ts); the global is the runner's alone
  '--expose-gc',
];
