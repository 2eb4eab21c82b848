// One local push worker thread: loads the TypeScript worker through tsx (threads do not
// inherit a test runner's or tsx's loader), then serves the shards the pool posts to it.
require('tsx/cjs/api').register();
require('./push-worker-thread.ts').serveShards();
