/** WebSocket messages between the control plane and agents or watchers (docs/api.md). */
import { z } from 'zod';
import type { Agent, Approval, HeartbeatResult } from './types';
import { heartbeatMetricsSchema } from './schemas';

/** Server → agent: the agent's status changed (or is repeated). Ignore versions already seen. */
export interface ControlMessage {
  type: 'kill' | 'pause' | 'resume';
  agentId: string;
  version: number;
  reason: string | null;
  actor: string;
  at: string;
}

/** Server → agent: the answer to a heartbeat sent over the WebSocket. */
export interface HeartbeatMessage extends HeartbeatResult {
  type: 'heartbeat';
  agentId: string;
}

/** Server → watcher: an agent's new view. */
export interface AgentMessage {
  type: 'agent';
  agent: Agent;
}

/** Server → client: a message it could not take. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

/** Server → agent: an operator decided (or time expired, or a stop cancelled) one of its approvals. */
export interface ApprovalDecisionMessage {
  type: 'approval';
  approvalId: string;
  status: Approval['status'];
}

/** Server → watcher: an approval as it now stands. */
export interface ApprovalMessage {
  type: 'approval';
  approval: Approval;
}

/** Server → every connection: an action glob is refused fleet-wide, or no longer. */
export interface ActionKillMessage {
  type: 'action_killed' | 'action_resumed';
  action: string;
  reason: string;
}

export type ServerMessage =
  | ControlMessage
  | HeartbeatMessage
  | AgentMessage
  | ErrorMessage
  | ApprovalDecisionMessage
  | ApprovalMessage
  | ActionKillMessage
  | ({ type: 'intent' } & Record<string, unknown>);

/** Agent → server. */
export const ackMessageSchema = z.object({ action: z.literal('ack'), version: z.number().int().min(0) }).strict();
export const heartbeatMessageSchema = z
  .object({ action: z.literal('heartbeat'), metrics: heartbeatMetricsSchema.optional() })
  .strict();

/**
 * Agent → server keep-alive, `{"action":"ping"}`: API Gateway closes a connection after 10
 * minutes without a message, so a quiet agent sends one every 9. The route is a MOCK
 * integration: no Lambda, no write, no answer; one message on the bill.
 */
export const KEEPALIVE_ACTION = 'ping';
/** How long a connection may stay quiet before the SDK sends a keep-alive. */
export const KEEPALIVE_INTERVAL_MS = 9 * 60_000;

/** Largest message API Gateway's management API posts to a connection (128 KiB). */
export const MAX_PUSH_MESSAGE_BYTES = 128 * 1024;

/** Largest message the WebSocket API takes (API Gateway's frame limit is 32 KiB). */
export const MAX_WEBSOCKET_MESSAGE_BYTES = 32 * 1024;

/**
 * What API Gateway sends on the connection, instead of routing it, for a message over a
 * route's throttle (`{"message": "Too Many Requests", "connectionId", "requestId"}`).
 */
export const GATEWAY_THROTTLED = 'Too Many Requests';
