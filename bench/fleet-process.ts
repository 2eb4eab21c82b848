/**
 * A fleet of raw WebSocket instances in a process of its own, as a benchmark's stand-in for
 * agents on other machines: the runtime under test keeps its event loop (and its file
 * descriptors) to itself. Each instance acknowledges what it is told, as the SDK does, and the
 * process reports when each instance heard a kill, on the machine's monotonic clock
 * (`process.hrtime`), which the parent process reads too.
 *
 * The parent drives it over IPC (`startFleet` below): connect, arm, await arrivals, close.
 */
import { fork, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { GATEWAY_THROTTLED } from '../sdk/protocol/messages';

type Command =
  | { cmd: 'connect'; wsUrl: string; agentId: string; key: string; count: number; prefix: string }
  | { cmd: 'arm'; round: number }
  | { cmd: 'close' };

type Reply =
  | { reply: 'connected'; count: number }
  | { reply: 'armed'; round: number }
  | { reply: 'arrivals'; round: number; atMs: number[]; version: number }
  | { reply: 'closed' }
  | { reply: 'error'; message: string };

/** The machine's monotonic clock in ms, comparable across processes. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const runChild = () => {
  const send = (reply: Reply) => process.send?.(reply);
  let sockets: WebSocket[] = [];
  let armed: { round: number; atMs: (number | undefined)[]; left: number; version: number } | undefined;

  const connect = async (command: Extract<Command, { cmd: 'connect' }>) => {
    // Connections open a few dozen at a time, as a fleet scaling out does (API Gateway takes 500
    // new connections a second per account): a thousand at once would only queue on the engine.
    const batch = 25;
    const openOne = (index: number) => {
      const socket = new WebSocket(`${command.wsUrl}/?agentId=${command.agentId}&instanceId=${command.prefix}${index}`, {
        headers: { authorization: `Bearer ${command.key}` },
      });
      let lastAck: string | undefined;
      const ack = (text: string) => {
        lastAck = text;
        socket.send(text);
      };
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type?: string; version?: number; message?: string };
        // Over the ack route's throttle: send the acknowledgement again after a jittered pause, as the SDK does.
        if (message.type === undefined && message.message === GATEWAY_THROTTLED && lastAck) {
          const again = lastAck;
          setTimeout(() => socket.readyState === WebSocket.OPEN && socket.send(again), 250 + Math.random() * 1_750);
          return;
        }
        if (message.type !== 'kill' && message.type !== 'pause' && message.type !== 'resume') return;
        // Acknowledge, as the SDK does once it has stopped (or resumed).
        ack(JSON.stringify({ action: 'ack', version: message.version }));
        if (message.type !== 'kill' || !armed || armed.atMs[index] !== undefined) return;
        armed.atMs[index] = monotonicMs();
        armed.version = message.version ?? -1;
        if (--armed.left === 0) {
          send({ reply: 'arrivals', round: armed.round, atMs: armed.atMs as number[], version: armed.version });
          armed = undefined;
        }
      });
      return new Promise<WebSocket>((resolve, reject) => {
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    };
    for (let i = 0; i < command.count; i += batch) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(batch, command.count - i) }, (_, j) => {
          const index = i + j;
          // A handshake over the stage's throttle is refused (429): try again after a pause, as the SDK does.
          const open = async (attempt: number): Promise<WebSocket> => {
            try {
              return await openOne(index);
            } catch (error) {
              if (attempt >= 20 || !String((error as Error).message).includes('429')) throw error;
              await new Promise((r) => setTimeout(r, 100 + Math.random() * 400 * Math.min(attempt + 1, 5)));
              return open(attempt + 1);
            }
          };
          return open(0);
        }),
      );
      sockets.push(...opened);
    }
    send({ reply: 'connected', count: sockets.length });
  };

  process.on('message', (command: Command) => {
    const run = async () => {
      if (command.cmd === 'connect') await connect(command);
      else if (command.cmd === 'arm') {
        armed = { round: command.round, atMs: new Array(sockets.length).fill(undefined), left: sockets.length, version: -1 };
        send({ reply: 'armed', round: command.round });
      }
      else if (command.cmd === 'close') {
        await Promise.all(sockets.map((s) => new Promise<void>((resolve) => {
          if (s.readyState === WebSocket.CLOSED) return resolve();
          s.once('close', () => resolve());
          s.close();
        })));
        sockets = [];
        send({ reply: 'closed' });
      }
    };
    run().catch((error: unknown) => send({ reply: 'error', message: error instanceof Error ? error.message : String(error) }));
  });
};

export interface Fleet {
  /** Open `count` connections for the agent (instance ids `<prefix>0…`). */
  connect(options: { wsUrl: string; agentId: string; key: string; count: number; prefix?: string }): Promise<void>;
  /**
   * Listen for the next kill (resolves once every instance listens): the promise it gives
   * resolves to each instance's arrival time (monotonic ms) once all have heard it.
   */
  armForKill(options?: { ceilingMs?: number }): Promise<{ arrivals: Promise<{ atMs: number[]; version: number }> }>;
  close(): Promise<void>;
  stop(): Promise<void>;
}

export const startFleet = async (): Promise<Fleet> => {
  const child: ChildProcess = fork(__filename, ['--fleet-child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let round = 0;
  const waitFor = <R extends Reply['reply']>(kind: R, ceilingMs = 600_000, match: (r: Extract<Reply, { reply: R }>) => boolean = () => true) =>
    new Promise<Extract<Reply, { reply: R }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`fleet: no ${kind} within ${ceilingMs} ms`));
      }, ceilingMs);
      const onMessage = (reply: Reply) => {
        if (reply.reply === 'error') {
          clearTimeout(timer);
          child.off('message', onMessage);
          reject(new Error(`fleet: ${reply.message}`));
        } else if (reply.reply === kind && match(reply as Extract<Reply, { reply: R }>)) {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(reply as Extract<Reply, { reply: R }>);
        }
      };
      child.on('message', onMessage);
    });
  const command = (c: Command) => child.send(c);
  return {
    connect: async (options) => {
      const connected = waitFor('connected');
      command({ cmd: 'connect', prefix: 'i-', ...options });
      await connected;
    },
    armForKill: async (options = {}) => {
      const r = ++round;
      const armed = waitFor('armed', 30_000, (reply) => reply.round === r);
      const arrived = waitFor('arrivals', options.ceilingMs ?? 120_000, (reply) => reply.round === r);
      arrived.catch(() => undefined); // awaited by the caller
      command({ cmd: 'arm', round: r });
      await armed;
      return { arrivals: arrived.then((reply) => ({ atMs: reply.atMs, version: reply.version })) };
    },
    close: async () => {
      const closed = waitFor('closed');
      command({ cmd: 'close' });
      await closed;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
};

if (process.argv.includes('--fleet-child')) runChild();
