/**
 * A stand-in for the Secrets Manager calls around an agent's key, so both sides use the real
 * `@aws-sdk/client-secrets-manager` (AWS JSON 1.1): `CreateSecret` (what the stack's `Secret`
 * makes at deploy), `PutSecretValue` (the key provisioner writes the key), `GetSecretValue` (the
 * protected function's middleware reads it at cold start), `DeleteSecret`. Secrets are found by
 * name or ARN; an unknown one answers 400 `ResourceNotFoundException`, as Secrets Manager does.
 * Values are kept in `<dir>/secrets.json`, mode 0600, as the operator key is.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LOCAL_ACCOUNT } from './lambda-context';
import { closeServer, KEEP_ALIVE, listen, readBody } from './http-server';

export interface SecretsStandIn {
  readonly endpoint: string;
  /** Make a secret as the stack's `Secret` does at deploy; answers its ARN. */
  create(name: string): string;
  /** The calls made so far, by operation (tests check who read what, never the values). */
  calls(): readonly { readonly operation: string; readonly secretId: string }[];
  stop(): Promise<void>;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  value?: string;
  versions: number;
}

const jsonError = (res: ServerResponse, type: string, message: string) => {
  res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ __type: type, message }));
};

export const startSecretsStandIn = async (options: { dir: string; region: string; host?: string }): Promise<SecretsStandIn> => {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dir, { recursive: true });
  const file = join(options.dir, 'secrets.json');
  const secrets = new Map<string, StoredSecret>(existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredSecret[]).map((s) => [s.name, s]) : []);
  const save = () => {
    writeFileSync(file, JSON.stringify([...secrets.values()]), { mode: 0o600 });
    chmodSync(file, 0o600);
  };
  const made: { operation: string; secretId: string }[] = [];
  const create = (name: string): string => {
    const existing = secrets.get(name);
    if (existing) return existing.arn;
    // Secrets Manager ends an ARN with six random characters.
    const arn = `arn:aws:secretsmanager:${options.region}:${LOCAL_ACCOUNT}:secret:${name}-${randomBytes(3).toString('hex')}`;
    secrets.set(name, { name, arn, versions: 0 });
    save();
    return arn;
  };
  const find = (id: string): StoredSecret | undefined => secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);

  const server = createServer(KEEP_ALIVE, (req, res) => {
    readBody(req)
      .then((raw) => {
        const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
        const body = JSON.parse(raw.toString('utf8') || '{}') as { Name?: string; SecretId?: string; SecretString?: string };
        const reply = (payload: unknown) => {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(payload));
        };
        const id = body.SecretId ?? body.Name ?? '';
        made.push({ operation, secretId: id });
        if (operation === 'CreateSecret') {
          if (!body.Name) return jsonError(res, 'InvalidParameterException', 'Name is required');
          const arn = create(body.Name);
          if (body.SecretString !== undefined) Object.assign(find(arn) ?? {}, { value: body.SecretString, versions: 1 });
          save();
          return reply({ ARN: arn, Name: body.Name });
        }
        const secret = find(id);
        if (!secret) return jsonError(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        if (operation === 'PutSecretValue') {
          if (typeof body.SecretString !== 'string') return jsonError(res, 'InvalidParameterException', 'SecretString is required');
          secret.value = body.SecretString;
          secret.versions++;
          save();
          return reply({ ARN: secret.arn, Name: secret.name, VersionId: `v${secret.versions}` });
        }
        if (operation === 'GetSecretValue') {
          if (secret.value === undefined) return jsonError(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
          return reply({ ARN: secret.arn, Name: secret.name, SecretString: secret.value, VersionId: `v${secret.versions}`, VersionStages: ['AWSCURRENT'] });
        }
        if (operation === 'DeleteSecret') {
          secrets.delete(secret.name);
          save();
          return reply({ ARN: secret.arn, Name: secret.name });
        }
        return jsonError(res, 'InvalidRequestException', `${operation} is not stood in for (CreateSecret, PutSecretValue, GetSecretValue, DeleteSecret)`);
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
  const port = await listen(server, 0, host);
  return { endpoint: `http://${host}:${port}`, create, calls: () => made, stop: () => closeServer(server) };
};
