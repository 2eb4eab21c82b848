/**
 * A stand-in for the few S3 calls Halt makes, so the replay function uses the real
 * `@aws-sdk/client-s3` (path-style): `ListObjectsV2`, `GetObject`, `DeleteObject` and
 * `PutObject`. Objects are files under `<dir>/<bucket>/<key>`, so they outlive a restart as the
 * rest of the state dir does. The local event source mapping writes its failed batches here
 * (`put`), as Lambda writes them to the stack's bucket.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { dirname, join, relative, sep } from 'node:path';
import { closeServer, KEEP_ALIVE, listen, readBody } from './http-server';

export interface S3StandIn {
  readonly endpoint: string;
  /** Store an object (what a service such as Lambda writes into a bucket). */
  put(bucket: string, key: string, body: string): void;
  /** Keys in `bucket`, in S3's order (UTF-8 binary). */
  keys(bucket: string): string[];
  stop(): Promise<void>;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const error = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
};

/** Keys must stay inside the bucket's folder. */
const safeKey = (key: string) => key !== '' && !key.split('/').some((part) => part === '..' || part === '.') && !key.includes('\0');

export const startS3StandIn = async (options: { dir: string; buckets: readonly string[]; host?: string }): Promise<S3StandIn> => {
  const host = options.host ?? '127.0.0.1';
  for (const bucket of options.buckets) mkdirSync(join(options.dir, bucket), { recursive: true });
  const bucketDir = (bucket: string) => join(options.dir, bucket);
  const keys = (bucket: string): string[] => {
    const root = bucketDir(bucket);
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else found.push(relative(root, path).split(sep).join('/'));
      }
    };
    if (existsSync(root)) walk(root);
    return found.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  };
  const put = (bucket: string, key: string, body: string | Buffer) => {
    const file = join(bucketDir(bucket), key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  };

  const server = createServer(KEEP_ALIVE, (req, res) => {
    readBody(req)
      .then((body) => {
        const url = new URL(req.url ?? '/', `http://${host}`);
        const [, bucket = '', ...rest] = url.pathname.split('/');
        const key = rest.map((part) => decodeURIComponent(part)).join('/');
        if (!options.buckets.includes(bucket)) return error(res, 404, 'NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
        if (key === '' && req.method === 'GET' && url.searchParams.get('list-type') === '2') {
          const prefix = url.searchParams.get('prefix') ?? '';
          const maxKeys = Math.min(1000, Number(url.searchParams.get('max-keys') ?? 1000));
          const after = url.searchParams.get('continuation-token') ?? url.searchParams.get('start-after') ?? '';
          const matching = keys(bucket).filter((k) => k.startsWith(prefix) && (after === '' || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0));
          const page = matching.slice(0, maxKeys);
          const truncated = matching.length > page.length;
          const contents = page
            .map((k) => {
              const stat = statSync(join(bucketDir(bucket), k));
              return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${stat.mtime.toISOString()}</LastModified><Size>${stat.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
            })
            .join('');
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end(
            `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${xmlEscape(page[page.length - 1] ?? '')}</NextContinuationToken>` : ''}</ListBucketResult>`,
          );
          return;
        }
        if (!safeKey(key)) return error(res, 400, 'InvalidArgument', 'the local S3 stand-in serves ListObjectsV2 and object GET/PUT/DELETE');
        const file = join(bucketDir(bucket), key);
        if (req.method === 'GET') {
          if (!existsSync(file)) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
          const content = readFileSync(file);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': content.byteLength, 'last-modified': statSync(file).mtime.toUTCString() });
          res.end(content);
          return;
        }
        if (req.method === 'PUT') {
          put(bucket, key, body);
          res.writeHead(200);
          res.end();
          return;
        }
        if (req.method === 'DELETE') {
          // S3 answers 204 whether or not the key existed.
          rmSync(file, { force: true });
          res.writeHead(204);
          res.end();
          return;
        }
        return error(res, 405, 'MethodNotAllowed', `${req.method ?? ''} is not stood in for`);
      })
      .catch((e: unknown) => error(res, 500, 'InternalError', String(e)));
  });
  const port = await listen(server, 0, host);
  return {
    endpoint: `http://${host}:${port}`,
    put: (bucket, key, body) => put(bucket, key, body),
    keys,
    stop: () => closeServer(server),
  };
};
