/** Halt's TypeScript SDK: the agent side, the operator client, the middy middleware, the wire types. */
export { HaltAgent, type HaltAgentOptions, type AgentState, type StatusChange } from './agent';
export { HaltClient, type ControlOptions, type ControlOutcome, type WaitOptions } from './operator-client';
export { haltMiddleware, type HaltLambdaContext, type HaltMiddlewareOptions } from './middleware';
export { AgentStoppedError, HaltApiError, HaltUnreachableError, IntentRefusedError } from './errors';
export type * from './protocol/types';
export type * from './protocol/messages';
