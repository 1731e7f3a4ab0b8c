/**
 * `@corral/console`: the web console's prebuilt static assets (built into `dist/web` by this
 * package's `build` script, which `npm ci` runs through the root `prepare`). `corral serve` passes
 * `consoleAssetsDir()` to the server as its static directory.
 */
export { consoleAssetsDir, consoleIndexFile } from './assets.js';
