/**
 * V8 flags for the node that runs the runner bundle, passed by the launchers Corral controls
 * (the local provider). Measured in docs/decisions/0048: V8's default young generation (grown to
 * 16 MB semi-spaces) and the heap it keeps after busy periods made up most of the runner's RSS
 * growth over thousands of commands.
 */
export const RUNNER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  // lets the runner collect at quiet moments (idle-gc.ts); the global is the runner's alone
  '--expose-gc',
];

/**
 * Added when nothing in the runner's process needs WebAssembly. Lite mode (interpreter only, no
 * optimizing compiler) saves the optimized code and feedback the runner's I/O plumbing gains no
 * measurable speed from, but it turns WebAssembly off, and undici (node's `fetch`, which the
 * allow-list network bridge and a `NODE_OPTIONS` preload may use) needs it for its HTTP parser.
 * `--no-expose-wasm` keeps lite mode from warning about that on stderr at every start.
 */
export const RUNNER_LITE_NODE_FLAGS: readonly string[] = ['--lite-mode', '--no-expose-wasm'];
