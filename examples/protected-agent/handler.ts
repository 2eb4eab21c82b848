/**
 * The protected agent's handler: a batch of emails, sent only while the agent is active. The
 * status is read straight from Halt's table (direct mode); everything the middleware needs is
 * in the environment `halt.protect` set (see app.ts).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { haltMiddleware, type HaltLambdaContext } from '../../sdk/middleware';

const sendBatch = async (event: { recipients: string[] }, context: Context) => {
  const { halt } = context as Context & { halt: HaltLambdaContext };
  for (const to of event.recipients) {
    if (halt.signal.aborted) break;
    await halt.intent('email.send', { costUsd: 0.001, payload: { to } });
  }
  return { sent: event.recipients.length };
};

// halt.protect gave the function HALT_URL, HALT_AGENT_ID, HALT_STATE_TABLE (direct reads) and
// HALT_AGENT_KEY_SECRET (its key, read once at cold start).
export const handler = middy(sendBatch).use(haltMiddleware());
