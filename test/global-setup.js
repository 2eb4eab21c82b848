// Builds the dashboard once before the tests that serve or deploy it (the browser test and
// the CDK hosting test), so no two test files rebuild it under each other.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  // Every integration test starts DynamoDB Local (one JVM per region). Its JIT's top tier and
  // parallel GC cost more CPU at start than a short test ever earns back: with the client
  // compiler only and the serial collector, two engines starting side by side on two cores
  // answer in ~3.2 s instead of ~5.7 s. The workers inherit the variable (they start after this
  // runs); a JAVA_TOOL_OPTIONS of the caller's own is left alone. `npm start` and the benches
  // run the engine with the JVM's defaults.
  process.env.JAVA_TOOL_OPTIONS ??= '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'infra', 'dashboard', 'vite.config.mts')], {
    cwd: root,
    stdio: 'inherit',
  });
};
