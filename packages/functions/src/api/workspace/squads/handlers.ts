import * as core from '@parley/core';
import type { SquadRecord } from '@parley/db';
import { resourceHandlers } from '../../../shared/handlers.js';
import type * as routes from './routes.js';

function toSquad(s: SquadRecord) {
  return { id: s.id, name: s.name, description: s.description, pictureUrl: s.pictureUrl, assistants: s.assistants, createdAt: s.createdAt.toISOString() };
}

const services = { list: core.listSquadsPage, get: core.getSquad, create: core.createSquad, update: core.updateSquad, remove: core.deleteSquad };
export const { listSquads, getSquad, createSquad, updateSquad, deleteSquad } = resourceHandlers<typeof routes>()('Squad', 'Squads', toSquad, services);
