import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { DateTime, HttpUrl, listQuery, Name, pageOf, Text, Uuid, WorkspaceParams } from '../schemas.js';

export const SquadParams = WorkspaceParams.extend({
  squad_id: Uuid.openapi({ param: { name: 'squad_id', in: 'path' }, description: "The squad's id (a channel's or chat's `responderId`)." }),
});

export const ListSquadsQuery = z.strictObject(listQuery('Squads'));

const fields = {
  name: Name(100).openapi({ description: 'Unique among the assistants and squads of the workspace, in any letter case.', example: 'Frontline Squad' }),
  description: Text(2000).nullable(),
  pictureUrl: HttpUrl.nullable(),
  assistantIds: z.array(Uuid).max(50, 'must hold at most 50 assistants').openapi({ description: 'The assistants of the squad (ids of this workspace\'s assistants); replaces them on update.' }),
};

export const CreateSquadBody = z.strictObject(fields).partial().required({ name: true }).openapi('SquadCreateRequest');
export const UpdateSquadBody = z.strictObject(fields).partial().openapi('SquadUpdateRequest', { description: 'The fields to change; absent fields stay as they are.' });

export const Squad = z
  .object({
    id: Uuid,
    name: z.string(),
    description: z.string().nullable(),
    pictureUrl: z.string().nullable(),
    assistants: z.array(z.object({ id: Uuid, memberId: z.number().int(), name: z.string() })),
    createdAt: DateTime,
  })
  .openapi('Squad');

export const SquadPage = pageOf('squads', Squad, 'SquadPage');
