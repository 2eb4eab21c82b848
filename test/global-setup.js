// Builds the dashboard once before the tests that serve or deploy it (the browser test and
// the CDK hosting test), so no two test files rebuild it under each other.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'infra', 'dashboard', 'vite.config.mts')], {
    cwd: root,
    stdio: 'inherit',
  });
};
