#!/usr/bin/env node
// The playground fake cluster (built by `npm ci` through the root `prepare` script).
import '../dist/playground-main.js';
