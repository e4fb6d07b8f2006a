import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { CallRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { deletedBody, pageBody } from '../../../shared/handlers.js';
import { replayedValue } from '../../../shared/idempotency.js';
import type * as routes from './routes.js';

function toCall(call: CallRecord) {
  return {
    id: call.id,
    direction: call.direction,
    startedAt: call.startedAt.toISOString(),
    endedAt: call.endedAt?.toISOString() ?? null,
    durationSeconds: call.durationSeconds,
    outcome: call.outcome,
    exitStep: call.exitStep,
    transferTarget: call.transferTarget,
    userInputs: call.userInputs,
    createdAt: call.createdAt.toISOString(),
  };
}

export const listCalls: RouteHandler<typeof routes.listCalls, AppEnv> = async (c) => {
  const page = await core.listCalls(c.get('db'), c.get('principal'), c.req.valid('param').chat_id, c.req.valid('query'));
  return c.json(pageBody('calls', page, toCall), 200);
};

export const getCall: RouteHandler<typeof routes.getCall, AppEnv> = async (c) => {
  const { chat_id, call_id } = c.req.valid('param');
  return c.json(toCall(await core.getCall(c.get('db'), c.get('principal'), chat_id, call_id)), 200);
};

export const recordCall: RouteHandler<typeof routes.recordCall, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const input = {
    direction: body.direction ?? 'inbound',
    startedAt: body.startedAt,
    endedAt: body.endedAt ?? null,
    durationSeconds: body.durationSeconds,
    outcome: body.outcome ?? null,
    exitStep: body.exitStep ?? null,
    transferTarget: body.transferTarget ?? null,
    userInputs: body.userInputs ?? null,
  };
  const recorded = await core.recordCall(c.get('db'), c.get('principal'), c.req.valid('param').chat_id, input, c.req.valid('header')['idempotency-key']);
  return c.json(toCall(replayedValue(c, recorded)), 201);
};

export const updateCall: RouteHandler<typeof routes.updateCall, AppEnv> = async (c) => {
  const { chat_id, call_id } = c.req.valid('param');
  return c.json(toCall(await core.updateCall(c.get('db'), c.get('principal'), chat_id, call_id, c.req.valid('json'))), 200);
};

export const deleteCall: RouteHandler<typeof routes.deleteCall, AppEnv> = async (c) => {
  const { chat_id, call_id } = c.req.valid('param');
  await core.deleteCall(c.get('db'), c.get('principal'), chat_id, call_id);
  return c.json(deletedBody('Call'), 200);
};
