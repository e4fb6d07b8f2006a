import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { CHANNEL_TYPES } from '@parley/db';
import { DateTime, HttpUrl, listQuery, Name, pageOf, QueryBoolean, Uuid, WorkspaceParams } from '../schemas.js';

export const ChannelParams = WorkspaceParams.extend({
  channel_id: Uuid.openapi({ param: { name: 'channel_id', in: 'path' }, description: "The channel's id." }),
});

const ChannelTypeEnum = z.enum(CHANNEL_TYPES, { message: `must be one of ${CHANNEL_TYPES.join(', ')}` });

export const ListChannelsQuery = z.strictObject({
  ...listQuery('Channels'),
  type: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v, ctx): Array<(typeof CHANNEL_TYPES)[number]> => {
      const items = (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      const unknown = items.filter((s) => !(CHANNEL_TYPES as readonly string[]).includes(s));
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `must be one of ${CHANNEL_TYPES.join(', ')}; got ${unknown.join(', ')}` });
      return [...new Set(items)] as Array<(typeof CHANNEL_TYPES)[number]>;
    })
    .openapi({ type: 'string', description: `Only channels of these types (${CHANNEL_TYPES.join(', ')}); comma-separate or repeat for several.` }),
  enabled: QueryBoolean.openapi({ description: 'Only enabled (true) or disabled (false) channels; both when absent.' }),
});

const fields = {
  type: ChannelTypeEnum.openapi({ description: 'The kind of channel. Assistant messages are delivered on `sms` and `email` channels.' }),
  name: Name(100).openapi({ description: 'Unique in the workspace in any letter case.', example: 'Support inbox' }),
  enabled: z.boolean({ message: 'must be true or false' }).openapi({ description: 'Whether the channel takes chats (default true).' }),
  notificationsEnabled: z
    .boolean({ message: 'must be true or false' })
    .openapi({ description: 'Whether assistant messages are delivered on the channel by SMS or email (default true); send-assistant-message answers 400 when off.' }),
  responderId: Uuid.openapi({ description: "Who answers the channel's new chats: an assistant's or a squad's id." }),
  avatarUrl: HttpUrl.nullable(),
};

export const CreateChannelBody = z.strictObject(fields).partial().required({ type: true, name: true, responderId: true }).openapi('ChannelCreateRequest');
export const UpdateChannelBody = z
  .strictObject(fields)
  .partial()
  .openapi('ChannelUpdateRequest', { description: 'The fields to change; absent fields stay as they are.' });

export const Channel = z
  .object({
    id: Uuid.openapi({ description: "The channel's id: `channelId` of `POST /api/v1/chats`." }),
    type: ChannelTypeEnum,
    name: z.string(),
    enabled: z.boolean(),
    notificationsEnabled: z.boolean(),
    responder: z.object({
      id: Uuid,
      kind: z.enum(['agent', 'squad']).openapi({ description: '`agent`: an assistant; `squad`: a team of assistants.' }),
      name: z.string(),
    }),
    avatarUrl: z.string().nullable(),
    createdAt: DateTime,
  })
  .openapi('Channel');

export const ChannelPage = pageOf('channels', Channel, 'ChannelPage');
