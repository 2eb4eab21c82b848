import { controlRoute } from './control-route';

export const pauseAgentRoute = controlRoute('pauseAgent', 'pause');

export const handler = pauseAgentRoute.handler;
