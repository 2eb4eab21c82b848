import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The dashboard: a static single-page app, served by the local runtime at / and deployable to S3. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  logLevel: 'warn',
});
