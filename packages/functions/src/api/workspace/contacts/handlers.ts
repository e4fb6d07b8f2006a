import * as core from '@parley/core';
import type { ContactRecord } from '@parley/db';
import { resourceHandlers } from '../../../shared/handlers.js';
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

const services = { list: core.listContacts, get: core.getContact, create: core.createContact, update: core.updateContact, remove: core.deleteContact };
export const { listContacts, getContact, createContact, updateContact, deleteContact } = resourceHandlers<typeof routes>()('Contact', 'Contacts', toContact, services, { body: { blocked: 'isBlocked', anonymous: 'isAnonymous' } });
