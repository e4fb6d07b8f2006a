import * as core from '@parley/core';
import type { ChannelDirectoryRecord } from '@parley/db';
import { resourceHandlers } from '../../../shared/handlers.js';
import type * as routes from './routes.js';

function toChannel(ch: ChannelDirectoryRecord) {
  return {
    id: ch.id,
    type: ch.type,
    name: ch.name,
    enabled: ch.isEnabled,
    notificationsEnabled: ch.notificationsEnabled,
    responder: ch.responder,
    avatarUrl: ch.avatarUrl,
    createdAt: ch.createdAt.toISOString(),
  };
}

const services = { list: core.listChannelsPage, get: core.getChannel, create: core.createChannel, update: core.updateChannel, remove: core.deleteChannel };
export const { listChannels, getChannel, createChannel, updateChannel, deleteChannel } = resourceHandlers<typeof routes>()('Channel', 'Channels', toChannel, services, { query: { type: 'types' }, body: { enabled: 'isEnabled' } });
