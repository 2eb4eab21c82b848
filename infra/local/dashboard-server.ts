/**
 * Serves the built dashboard (infra/dashboard/dist, made by `npm run build:dashboard`, which
 * `npm start` runs first) and its `config.json`, which tells the app where the APIs are.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

export const DASHBOARD_DIST = resolve(__dirname, '..', 'dashboard', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export const createDashboardHandler = (options: { distDir?: string; wsUrl: string; region: string }) => {
  const root = options.distDir ?? DASHBOARD_DIST;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' });
      res.end('method not allowed');
      return;
    }
    if (url.pathname === '/config.json') {
      const host = req.headers.host ?? 'localhost';
      res.writeHead(200, { 'content-type': TYPES['.json'] as string, 'cache-control': 'no-store', ...SECURITY_HEADERS });
      res.end(JSON.stringify({ apiUrl: `http://${host}/v1`, wsUrl: options.wsUrl, region: options.region }));
      return;
    }
    if (!existsSync(join(root, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The dashboard is not built yet: run `npm run build:dashboard` (npm start does it for you).');
      return;
    }
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    let file = resolve(root, relative === '' ? 'index.html' : relative);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  };
};
