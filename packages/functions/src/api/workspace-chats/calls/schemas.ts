import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { CALL_DIRECTIONS } from '@parley/db';
import { instant, pageCursor, pageLimit, Uuid } from '../../../shared/params.js';
import { DateTime, pageOf } from '../../../shared/wire.js';
import { ChatParams } from '../chat-actions/schemas.js';

export const CallParams = ChatParams.extend({
  call_id: Uuid.openapi({ param: { name: 'call_id', in: 'path' }, description: "The call record's id." }),
});

export const ListCallsQuery = z.strictObject({
  limit: pageLimit('Calls', 50),
  cursor: pageCursor(2000),
});

const label = (max: number, description: string, example: string) =>
  z.string({ message: 'must be a string' }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).nullable().openapi({ description, example });

const fields = {
  direction: z.enum(CALL_DIRECTIONS, { message: 'must be inbound or outbound' }).openapi({ description: '`inbound`: the contact called; `outbound`: the assistant called out.' }),
  startedAt: instant('When the call started.'),
  endedAt: instant('When the call ended; null while it runs.').nullable().openapi({ type: ['string', 'null'] }),
  durationSeconds: z
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be at least 0')
    .max(604_800, 'must be at most 604800 (a week)')
    .nullable()
    .openapi({ description: 'How long it lasted, in seconds; computed from startedAt and endedAt when absent. A call counts in the statistics once it has a duration.' }),
  outcome: label(100, 'How the call ended (the statistics\' end reason, CALL_END_REASON).', 'customer-ended-call'),
  exitStep: label(100, 'The flow step the call ended in (CALL_EXIT_STEP).', 'collect_address'),
  transferTarget: label(200, 'Where the call was transferred to, if it was (CALL_TRANSFER_TARGET).', 'sales-desk'),
  userInputs: z
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be at least 0')
    .max(100_000, 'must be at most 100000')
    .nullable()
    .openapi({ description: 'How many times the caller said or keyed something (CALL_USER_INPUTS_MEDIAN).' }),
};

export const RecordCallBody = z
  .strictObject({ ...fields, direction: fields.direction.default('inbound') })
  .partial()
  .required({ startedAt: true })
  .openapi('CallRecordRequest');

export const UpdateCallBody = z.strictObject(fields).partial().openapi('CallUpdateRequest', { description: 'The fields to change; absent fields stay as they are, null clears a field.' });

export const Call = z
  .object({
    id: Uuid,
    direction: z.enum(CALL_DIRECTIONS),
    startedAt: DateTime,
    endedAt: DateTime.nullable(),
    durationSeconds: z.number().int().nullable(),
    outcome: z.string().nullable(),
    exitStep: z.string().nullable(),
    transferTarget: z.string().nullable(),
    userInputs: z.number().int().nullable(),
    createdAt: DateTime,
  })
  .openapi('Call');

export const CallPage = pageOf('calls', Call, 'CallPage');

export const CallDeleted = z.object({ success: z.literal(true), message: z.string().openapi({ example: 'Call deleted' }) }).openapi('CallDeletedResponse');
