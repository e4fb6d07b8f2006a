import { commonErrorResponses } from '../../shared/errors.js';
import { authorizedRoute } from '../../shared/route.js';
import { ChangefeedPage, ChangefeedQuery, WorkspaceParams } from './schemas.js';

export const tags = ['Events'];
const base = '/api/v2/w/{workspace_uuid}';
const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export const changefeed = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  method: 'get',
  path: `${base}/events`,
  operationId: 'listEvents',
  tags,
  summary: 'Read the changefeed: events in log order after a cursor.',
  description: [
    'Events of the workspace after `after`, in commit order. Every page carries `nextCursor`: a client that stores it and always continues from it sees each event exactly once, across restarts. An event of a slow transaction is never skipped: the cursor remembers which transactions were still in flight when it was made, and their events come with the first read after they commit. Events of one transaction come together, in the order they were recorded.',
    '`endOfStream` is true when nothing is left for now; with `wait`, an empty read waits up to that many seconds for the next event (long poll).',
    'Events about chats are visible as the chats are; events of exports to their requester (and to callers who reach every chat); `webhook_endpoint.*` events with `chats:admin` only.',
  ].join('\n\n'),
  request: { params: WorkspaceParams, query: ChangefeedQuery },
  responses: { 200: json(ChangefeedPage, 'A page of events.'), ...commonErrorResponses },
});
