import * as core from '@parley/core';
import type { LabelDefinitionRecord } from '@parley/db';
import { resourceHandlers } from '../../../shared/handlers.js';
import type * as routes from './routes.js';

function toLabel(l: LabelDefinitionRecord) {
  return { id: l.id, name: l.name, description: l.description, color: l.color, keywords: l.keywords, chatCount: l.chatCount, createdAt: l.createdAt.toISOString() };
}

const services = { list: core.listLabelsPage, get: core.getLabel, create: core.createLabel, update: core.updateLabel, remove: core.deleteLabel };
export const { listLabels, getLabel, createLabel, updateLabel, deleteLabel } = resourceHandlers<typeof routes>()('Label', 'Labels', toLabel, services);
