import { createGroupApp, operations, requireApiKey, requirePathWorkspace, withWebhooks } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';
import { WEBHOOKS } from './schemas.js';

/** Events: the changefeed and webhook endpoints of a workspace. */
export function createEventsApp(deps: AppDeps) {
  const endpoints = '/api/v2/w/:workspace_uuid/webhook-endpoints';
  return createGroupApp(
    {
      use: [
        ['/api/v2/w/:workspace_uuid/events', requireApiKey(deps), requirePathWorkspace],
        [endpoints, requireApiKey(deps), requirePathWorkspace, withWebhooks(deps)],
        [`${endpoints}/*`, requireApiKey(deps), requirePathWorkspace, withWebhooks(deps)],
      ],
      // What Parley sends to webhook endpoints, one entry per event type (the document's `webhooks`).
      webhooks: WEBHOOKS,
    },
    operations(routes, handlers, ['changefeed', 'createEndpoint', 'listEndpoints', 'getEndpoint', 'updateEndpoint', 'deleteEndpoint', 'rotateSecret', 'listDeliveries', 'redeliver']),
  );
}
