import { bulkRoute } from './bulk-route';

export const bulkResumeRoute = bulkRoute('bulkResume', 'resume');

export const handler = bulkResumeRoute.handler;
