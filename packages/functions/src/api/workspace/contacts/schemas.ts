import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { DateTime, HttpUrl, listQuery, Name, pageOf, QueryBoolean, Text, Uuid, WorkspaceParams } from '../schemas.js';

export const ContactParams = WorkspaceParams.extend({
  contact_id: Uuid.openapi({ param: { name: 'contact_id', in: 'path' }, description: "The contact's id (its identity id: a chat's `ownerId`)." }),
});

export const ListContactsQuery = z.strictObject({
  ...listQuery('Contacts'),
  blocked: QueryBoolean.openapi({ description: 'Only blocked (true) or unblocked (false) contacts; both when absent.' }),
});

const E164 = z
  .string({ message: 'must be a string' })
  .regex(/^\+[1-9][0-9]{1,14}$/, 'must be a phone number in E.164 form, e.g. +14155550123')
  .openapi({ example: '+14155550123', description: 'Phone number in E.164 form (`+`, country code, number; up to 15 digits).' });

// Every writable field; POST requires `name`, PATCH takes any subset.
const fields = {
  name: Name().openapi({ description: 'Display name.' }),
  phone: E164.nullable(),
  email: z.email({ message: 'must be an email address' }).max(320, 'must be at most 320 characters').nullable(),
  handle: Text(100).min(1, 'must not be empty').nullable().openapi({ description: 'The handle on its channel, e.g. an X or Instagram handle.' }),
  identifier: Text(200).min(1, 'must not be empty').nullable().openapi({ description: 'Your identifier for the contact (e.g. its id in your CRM or its phone number); shown as `ownerIdentifier` in the v1 details.' }),
  blocked: z.boolean({ message: 'must be true or false' }).openapi({ description: 'A blocked contact receives no assistant messages (send-assistant-message answers 400).' }),
  anonymous: z
    .boolean({ message: 'must be true or false' })
    .openapi({ description: 'An anonymous end user (a visitor not identified yet): the contact and its chats are reached with `chats:admin` only.' }),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. DE').nullable().openapi({ example: 'DE' }),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'must be a language code, e.g. en or pt-BR').nullable().openapi({ example: 'en' }),
  ip: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address' }).nullable().openapi({ type: ['string', 'null'], description: 'The IP address it last came from.' }),
  userAgent: Text(500).nullable(),
  link: HttpUrl.nullable().openapi({ description: 'A link to the contact, e.g. its social media profile.' }),
  pictureUrl: HttpUrl.nullable(),
};

export const CreateContactBody = z.strictObject(fields).partial().required({ name: true }).openapi('ContactCreateRequest');

export const UpdateContactBody = z
  .strictObject(fields)
  .partial()
  .openapi('ContactUpdateRequest', { description: 'The fields to change; absent fields stay as they are, null clears a field.' });

export const Contact = z
  .object({
    id: Uuid.openapi({ description: "The contact's id: pass it as `ownerId` to `POST /api/v1/chats`." }),
    name: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    handle: z.string().nullable(),
    identifier: z.string().nullable(),
    blocked: z.boolean(),
    anonymous: z.boolean(),
    country: z.string().nullable(),
    language: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    link: z.string().nullable(),
    pictureUrl: z.string().nullable(),
    createdAt: DateTime,
  })
  .openapi('Contact');

export const ContactPage = pageOf('contacts', Contact, 'ContactPage');
