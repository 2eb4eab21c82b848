import { bulkRoute } from './bulk-route';

export const bulkPauseRoute = bulkRoute('bulkPause', 'pause');

export const handler = bulkPauseRoute.handler;
