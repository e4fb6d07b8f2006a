import type { RouteHandler } from '@hono/zod-openapi';
import * as core from '@parley/core';
import type { ContactRecord } from '@parley/db';
import type { AppEnv } from '../../../shared/env.js';
import { markReplay } from '../../../shared/idempotency.js';
import type * as routes from './routes.js';

export function toContact(c: ContactRecord) {
  return {
    id: c.id,
    name: c.name,
    phone: c.phone,
    email: c.email,
    handle: c.handle,
    identifier: c.identifier,
    blocked: c.isBlocked,
    anonymous: c.isAnonymous,
    country: c.country,
    language: c.language,
    ip: c.ip,
    userAgent: c.userAgent,
    link: c.link,
    pictureUrl: c.pictureUrl,
    createdAt: c.createdAt.toISOString(),
  };
}

/** The body's names as core's: `blocked`/`anonymous` are the contact's `isBlocked`/`isAnonymous`. */
function toPatch<T extends { blocked?: boolean; anonymous?: boolean }>(body: T) {
  const { blocked, anonymous, ...rest } = body;
  return { ...rest, ...(blocked !== undefined && { isBlocked: blocked }), ...(anonymous !== undefined && { isAnonymous: anonymous }) };
}

export const listContacts: RouteHandler<typeof routes.listContacts, AppEnv> = async (c) => {
  const page = await core.listContacts(c.get('db'), c.get('principal'), c.req.valid('query'));
  return c.json({ contacts: page.items.map(toContact), hasMore: page.hasMore, nextCursor: page.nextCursor }, 200);
};

export const getContact: RouteHandler<typeof routes.getContact, AppEnv> = async (c) => {
  return c.json(toContact(await core.getContact(c.get('db'), c.get('principal'), c.req.valid('param').contact_id)), 200);
};

export const createContact: RouteHandler<typeof routes.createContact, AppEnv> = async (c) => {
  const { value, replayed } = await core.createContact(c.get('db'), c.get('principal'), toPatch(c.req.valid('json')), c.req.valid('header')['idempotency-key']);
  markReplay(c, replayed);
  return c.json(toContact(value), 201);
};

export const updateContact: RouteHandler<typeof routes.updateContact, AppEnv> = async (c) => {
  const contact = await core.updateContact(c.get('db'), c.get('principal'), c.req.valid('param').contact_id, toPatch(c.req.valid('json')));
  return c.json(toContact(contact), 200);
};

export const deleteContact: RouteHandler<typeof routes.deleteContact, AppEnv> = async (c) => {
  await core.deleteContact(c.get('db'), c.get('principal'), c.req.valid('param').contact_id);
  return c.json({ success: true as const, message: 'Contact deleted' }, 200);
};
