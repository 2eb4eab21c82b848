/** Halt's TypeScript SDK: the agent side, the operator client, the middy middleware, the wire types. */
export { HaltAgent, type HaltAgentOptions, type AgentState, type StatusChange, type IntentOptions, type ApprovalDecision, type ActionKillChange } from './agent';
export { HaltClient, type ControlOptions, type ControlOutcome, type WaitOptions } from './operator-client';
export { haltMiddleware, type HaltLambdaContext, type HaltMiddlewareOptions, type HaltIntentOptions } from './middleware';
export { type WaitForApprovalOptions } from './wait-for-approval';
export { AgentStoppedError, ApprovalTimeoutError, HaltApiError, HaltUnreachableError, IntentRefusedError, type ApprovalTicket } from './errors';
export type * from './protocol/types';
export type * from './protocol/messages';
