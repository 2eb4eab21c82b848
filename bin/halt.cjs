#!/usr/bin/env node
// The `halt` command: runs the TypeScript CLI (sdk/cli/main.ts) through tsx.
require('tsx/cjs/api').register();
const { run } = require('../sdk/cli/main.ts');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
