#!/usr/bin/env node
'use strict';
// `npm run bench`: runs the compiled benchmarks (npm run build writes dist/).
require('../dist/bench/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err); process.exitCode = 1; },
);
