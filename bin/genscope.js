#!/usr/bin/env node
'use strict';
// The CLI entry point: runs the compiled TypeScript (`npm run build` writes dist/).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
