import { controlRoute } from './control-route';

export const killAgentRoute = controlRoute('killAgent', 'kill');

export const handler = killAgentRoute.handler;
