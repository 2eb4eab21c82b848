import { bulkRoute } from './bulk-route';

export const bulkKillRoute = bulkRoute('bulkKill', 'kill');

export const handler = bulkKillRoute.handler;
