#!/usr/bin/env node
// Launcher only: the program lives in commands/main.ts (compiled to dist/ by `npm ci` via the prepare script).
import('../dist/commands/main.js').then((m) => m.run(process.argv));
