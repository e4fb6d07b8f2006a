import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { CHANNEL_TYPES, MESSAGE_ROLES, TICKET_STATUSES } from '@parley/db';
import { DEFAULT_V1_CHANNEL_TYPES } from '@parley/core';
import { instant, oneOrMany, PageNumber, PageSize, SearchText, Uuid } from '../../shared/params.js';
import { DateTime } from '../../shared/wire.js';

const ChannelTypeEnum = z.enum(CHANNEL_TYPES).openapi('ChannelType', { description: 'The type of a channel.' });
const MessageRoleEnum = z.enum(MESSAGE_ROLES).openapi('MessageRole');
const TicketStatusEnum = z.enum(TICKET_STATUSES).openapi('TicketStatus');

export const ChatIdParams = z.strictObject({
  id: Uuid.openapi({ param: { name: 'id', in: 'path' } }),
});

export const Chat = z
  .object({
    createdAt: DateTime,
    id: Uuid,
    isRemoved: z.boolean().openapi({ description: 'Whether the chat has been soft removed.' }),
    updatedAt: DateTime,
    channelId: Uuid.nullable(),
    currentResponderId: Uuid.nullable().openapi({
      description: 'The agent answering right now: the responder itself for an agent, the agent of the squad that took the chat for a squad (null until one does).',
    }),
    lastChatMessageCreatedAt: DateTime.nullable(),
    ownerId: Uuid.openapi({ description: 'The super identity ID of the chat owner. Can refer to users or external users.' }),
    responderId: Uuid.openapi({ description: 'The super identity ID of the current chat responder. Can refer to agents or squads.' }),
    title: z.string().nullable(),
    workspaceId: Uuid,
  })
  .openapi('Chat');

export const ChatList = z.array(Chat).openapi('ChatList');

export const ChatDetails = z
  .object({
    channelId: Uuid.nullable().openapi({ description: 'The channel ID associated with the chat.' }),
    channelName: z.string().nullable().openapi({ description: 'The display name of the channel associated with the chat.' }),
    channelType: ChannelTypeEnum.nullable().openapi({ description: 'The type of the channel associated with the chat.' }),
    createdAt: DateTime.openapi({ description: 'When the chat was created.' }),
    id: Uuid.openapi({ description: 'The chat ID represented by this row.' }),
    isOwnerBlocked: z.boolean().nullable().openapi({ description: 'Whether the external chat owner is blocked.' }),
    isRemoved: z.boolean().openapi({ description: 'Whether the chat has been soft removed.' }),
    lastMessageContent: z.string().nullable().openapi({ description: 'The content preview of the latest message in the chat.' }),
    lastMessageCreatedAt: DateTime.nullable().openapi({ description: 'When the latest message in the chat was created.' }),
    lastMessageRole: MessageRoleEnum.nullable().openapi({ description: 'The role of the latest message in the chat.' }),
    ownerEmail: z.string().nullable().openapi({ description: 'The email of the chat owner when the owner is a platform user.' }),
    ownerId: Uuid.openapi({ description: 'The external user ID that owns the chat.' }),
    ownerIdentifier: z.string().nullable().openapi({ description: 'The identifier of the chat owner when the owner is an external user.' }),
    ownerName: z.string().nullable().openapi({ description: 'The display name of the chat owner resolved from external users or users.' }),
    penultimateMessageContent: z.string().nullable().openapi({ description: 'The content preview of the message immediately before the latest one.' }),
    penultimateMessageCreatedAt: DateTime.nullable().openapi({ description: 'When the message immediately before the latest one was created.' }),
    penultimateMessageRole: MessageRoleEnum.nullable().openapi({ description: 'The role of the message immediately before the latest one.' }),
    responderEntity: z.enum(['agent', 'squad']).openapi({ description: 'The responder entity type currently assigned to the chat.' }),
    responderId: Uuid.openapi({ description: 'The responder ID currently assigned to the chat.' }),
    responderName: z.string().openapi({ description: 'The display name of the responder assigned to the chat.' }),
    responderPicture: z.string().nullable().openapi({ description: 'The picture of the responder assigned to the chat.' }),
    responderVersionId: Uuid.nullable().openapi({ description: 'The version ID of the responder entity for this chat.' }),
    responderVersionNumber: z.number().int().nullable().openapi({ description: 'The version number of the responder entity for this chat.' }),
    ticketId: Uuid.nullable().openapi({ description: 'The ticket ID currently linked to the chat, when one exists.' }),
    ticketStatus: TicketStatusEnum.nullable().openapi({ description: 'The status of the ticket currently linked to the chat, when one exists.' }),
    title: z.string().nullable().openapi({ description: 'The title of the chat.' }),
    workspaceId: Uuid.openapi({ description: 'The workspace ID associated with the chat.' }),
  })
  .openapi('ChatDetails');

export const ChatDetailsList = z.array(ChatDetails).openapi('ChatDetailsList');

const paging = {
  pageNumber: PageNumber,
  pageSize: PageSize,
};

export const ListChatsQuery = z.strictObject({
  channelIds: oneOrMany(Uuid, 'Only chats on these channels.'),
  channelTypes: z
    .union([ChannelTypeEnum, z.array(ChannelTypeEnum)])
    .optional()
    .transform((v) => (v === undefined ? DEFAULT_V1_CHANNEL_TYPES : Array.isArray(v) ? v : [v]))
    .openapi({
      description: 'Only chats on channels of these types; chats without a channel count as `api`. Repeat the parameter for several values.',
      default: DEFAULT_V1_CHANNEL_TYPES as never,
    }),
  lastChatMessageCreatedAtEnd: instant('Only chats whose latest message is at or before this instant.').optional(),
  lastChatMessageCreatedAtStart: instant('Only chats whose latest message is at or after this instant.').optional(),
  ownerIds: oneOrMany(Uuid, 'Only chats owned by these identities.'),
  ...paging,
  responderIds: oneOrMany(Uuid, 'Only chats answered by these agents or squads.'),
  responderVersionIds: oneOrMany(Uuid, 'Only chats running on these responder versions.'),
  search: SearchText,
});

export const ListChatDetailsQuery = z.strictObject({
  channelIds: oneOrMany(Uuid, 'Only chats on these channels.'),
  ...paging,
  responderIds: oneOrMany(Uuid, 'Only chats answered by these agents or squads.'),
  responderVersionIds: oneOrMany(Uuid, 'Only chats running on these responder versions.'),
  search: SearchText,
});

export const ChatDetailsQuery = z.strictObject({
  responderVersionId: Uuid.optional().openapi({
    description: "Report the responder's version fields for this version of the chat's responder (404 if it is not one of its versions).",
  }),
});

export const CreateChatBody = z
  .strictObject({
    channelId: Uuid.nullable().openapi({ description: "The channel the chat is on; its responder answers the chat. Null uses the workspace's default responder." }),
    ownerId: Uuid.openapi({ description: 'The super identity ID of the chat owner. Can refer to users or external users.' }),
    title: z.string().max(500, 'must be at most 500 characters').nullable(),
  })
  .openapi('CreateChat');

export const UpdateChatBody = z
  .strictObject({
    lastChatMessageCreatedAt: instant('When the latest message was written; null clears it.')
      .nullable()
      .optional()
      .openapi({ type: ['string', 'null'] }),
    title: z.string().max(500, 'must be at most 500 characters').nullable().optional().openapi({ description: 'The title; null clears it.' }),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'must set at least one of title, lastChatMessageCreatedAt' })
  .openapi('UpdateChat', { minProperties: 1, description: 'The fields to change (at least one); the others keep their values.' });

export const RemovedMessage = z
  .object({ message: z.string().openapi({ description: 'An informative message for a call that has no effective result to be returned.' }) })
  .openapi('Message');
