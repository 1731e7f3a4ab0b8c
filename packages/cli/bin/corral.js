#!/usr/bin/env node
// The built CLI; `npm ci` builds it through the root `prepare` script.
import '../dist/main.js';
