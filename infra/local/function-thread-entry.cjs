// One local Lambda environment: a worker thread that loads the TypeScript handlers through tsx
// (threads inherit neither a test runner's nor tsx's loader), then serves invocations.
require('tsx/cjs/api').register();
require('./function-thread.ts').serveInvocations();
