import { controlRoute } from './control-route';

export const resumeAgentRoute = controlRoute('resumeAgent', 'resume');

export const handler = resumeAgentRoute.handler;
