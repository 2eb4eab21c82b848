/**
 * The protected agent's handler: a batch of emails, sent only while the agent is active. The
 * status is read straight from Halt's table (direct mode); `HALT_AGENT_KEY` is the agent's key
 * (from `halt agents create`, kept in your secret store).
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

export const handler = middy(sendBatch).use(
  haltMiddleware({
    url: process.env.HALT_URL ?? '',
    key: process.env.HALT_AGENT_KEY ?? '',
    agentId: process.env.HALT_AGENT_ID ?? '',
    direct: { tableName: process.env.HALT_STATE_TABLE ?? '' },
  }),
);
