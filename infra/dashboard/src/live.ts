/**
 * Live updates: the WebSocket watch (`?watch=all`) pushes every agent change, every approval
 * change and every fleet action kill or lift; when it is not open, the dashboard polls every
 * 5 s instead.
 */
import type { Agent, Approval } from '../../../sdk/protocol/types';
import { session, siteConfig } from './api';

export type LiveState = 'live' | 'polling';

const decoder = new TextDecoder();

export const startLive = async (options: {
  onAgent: (agent: Agent) => void;
  /** An approval as it now stands (requested, decided, expired, used or cancelled). */
  onApproval: (approval: Approval) => void;
  /** An action glob was killed fleet-wide, or lifted. */
  onActionKill: (change: { type: 'action_killed' | 'action_resumed'; action: string; reason: string }) => void;
  poll: () => Promise<void>;
  onState: (state: LiveState) => void;
  /** Poll even while live (e.g. instances still acknowledging over REST). */
  pollAnyway?: () => boolean;
}): Promise<() => void> => {
  const { wsUrl } = await siteConfig();
  let socket: WebSocket | undefined;
  let stopped = false;
  let attempt = 0;
  let reconnect: number | undefined;
  let ticks = 0;
  const timer = window.setInterval(() => {
    ticks++;
    const open = socket?.readyState === WebSocket.OPEN;
    // Not live: every 5 s. Live, but instances of a stopped agent still catching up: every 2 s.
    if ((!open && ticks % 5 === 0) || (open && ticks % 2 === 0 && options.pollAnyway?.())) void options.poll();
  }, 1_000);

  const connect = () => {
    const key = session.key();
    if (!wsUrl || !key || stopped) {
      options.onState('polling');
      return;
    }
    socket = new WebSocket(`${wsUrl}/?watch=all&token=${encodeURIComponent(key)}`);
    // Pushes may come as text or binary frames (the local gateway relays the posted bytes).
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      attempt = 0;
      options.onState('live');
      void options.poll();
    });
    socket.addEventListener('message', (event) => {
      let message: { type?: string; agent?: Agent; approval?: Approval; action?: string; reason?: string };
      try {
        const data: unknown = event.data;
        message = JSON.parse(data instanceof ArrayBuffer ? decoder.decode(data) : String(data)) as typeof message;
      } catch {
        return;
      }
      if (message.type === 'agent' && message.agent) options.onAgent(message.agent);
      else if (message.type === 'approval' && message.approval) options.onApproval(message.approval);
      else if ((message.type === 'action_killed' || message.type === 'action_resumed') && typeof message.action === 'string')
        options.onActionKill({ type: message.type, action: message.action, reason: message.reason ?? '' });
    });
    socket.addEventListener('close', () => {
      options.onState('polling');
      if (stopped) return;
      const delay = Math.min(30_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      reconnect = window.setTimeout(connect, delay);
    });
  };
  connect();
  return () => {
    stopped = true;
    window.clearInterval(timer);
    window.clearTimeout(reconnect);
    socket?.close();
  };
};
