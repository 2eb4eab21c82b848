/**
 * A local stand-in for EventBridge: answers `PutEvents` (JSON 1.1 protocol) so the real
 * `@aws-sdk/client-eventbridge` client works against it, and appends one JSON line per event
 * to a file.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from './http-server';

export interface EventSink {
  readonly endpoint: string;
  /** Fault tests: answer every `PutEvents` with a 500, as an EventBridge outage would. */
  failPuts(on: boolean): void;
  /** `PutEvents` calls refused by `failPuts` so far. */
  refused(): number;
  stop(): Promise<void>;
}

export interface SinkedEvent {
  id: string;
  time: string;
  source: string;
  detailType: string;
  eventBusName: string;
  detail: unknown;
}

interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
}

const MAX_ENTRIES = 10;

const reply = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
};

const entryProblem = (entry: PutEventsEntry): string | undefined => {
  if (typeof entry.Source !== 'string' || entry.Source === '') return 'Source is required';
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return 'DetailType is required';
  if (typeof entry.Detail !== 'string') return 'Detail is required';
  try {
    const detail: unknown = JSON.parse(entry.Detail);
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return 'Detail must be a JSON object';
  } catch {
    return 'Detail is malformed JSON';
  }
  return undefined;
};

const eventTime = (time: unknown): string => {
  if (typeof time === 'number') return new Date(time * 1000).toISOString();
  if (typeof time === 'string' && !Number.isNaN(Date.parse(time))) return new Date(time).toISOString();
  return new Date().toISOString();
};

export const startEventSink = async (options: {
  file: string;
  port?: number;
  host?: string;
  /**
   * The bus's rules: hears each event put, with the region whose credentials signed the put
   * (the local sink is one server for every region's bus).
   */
  onEvent?: (event: SinkedEvent, region: string) => void;
}): Promise<EventSink> => {
  const host = options.host ?? '127.0.0.1';
  let failing = false;
  let refused = 0;
  const server = createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    readBody(req)
      .then((raw) => {
        const text = raw.toString('utf8');
        if (failing) {
          refused++;
          return reply(res, 500, { __type: 'InternalException', message: 'the event bus is unavailable (fault injected)' });
        }
        if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
          return reply(res, 400, { __type: 'UnknownOperationException', message: `unsupported operation ${String(target)}` });
        }
        let body: { Entries?: PutEventsEntry[] };
        try {
          body = JSON.parse(text) as { Entries?: PutEventsEntry[] };
        } catch {
          return reply(res, 400, { __type: 'SerializationException', message: 'request body is not JSON' });
        }
        const entries = Array.isArray(body.Entries) ? body.Entries : [];
        if (entries.length === 0 || entries.length > MAX_ENTRIES) {
          return reply(res, 400, { __type: 'ValidationException', message: `Entries must hold 1 to ${MAX_ENTRIES} events` });
        }
        const lines: string[] = [];
        const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unknown';
        const accepted: SinkedEvent[] = [];
        const results = entries.map((entry) => {
          const problem = entryProblem(entry);
          if (problem) return { ErrorCode: 'InvalidArgument', ErrorMessage: problem };
          const event: SinkedEvent = {
            id: randomUUID(),
            time: eventTime(entry.Time),
            source: entry.Source as string,
            detailType: entry.DetailType as string,
            eventBusName: typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default',
            detail: JSON.parse(entry.Detail as string) as unknown,
          };
          lines.push(JSON.stringify(event));
          accepted.push(event);
          return { EventId: event.id };
        });
        if (lines.length > 0) appendFileSync(options.file, `${lines.join('\n')}\n`);
        for (const event of accepted) options.onEvent?.(event, region);
        return reply(res, 200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results });
      })
      .catch((error: unknown) => reply(res, 500, { __type: 'InternalException', message: String(error) }));
  });
  const port = await listen(server, options.port ?? 0, host);
  return {
    endpoint: `http://${host}:${port}`,
    failPuts: (on) => {
      failing = on;
    },
    refused: () => refused,
    stop: () => closeServer(server),
  };
};
