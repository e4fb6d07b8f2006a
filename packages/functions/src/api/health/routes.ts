import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { publicRoute } from '../../shared/route.js';

// Health checks for load balancers, uptime monitors and deploy scripts. They need no key: what they
// tell (the process is up, the database answers, its migrations are current) is no one's data.

const Health = z.object({ status: z.literal('ok') }).openapi('Health');

const Readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']).openapi({ description: '`ready`: the database answers and has every migration this release expects.' }),
    database: z.enum(['ok', 'unreachable']),
    migrations: z
      .object({
        applied: z.number().int().openapi({ description: "How many of this release's migrations the database has." }),
        pending: z.array(z.string()).openapi({ description: "This release's migrations the database lacks; any makes the service unavailable until a migrate runs." }),
        unknown: z.array(z.string()).openapi({ description: 'Migrations of a newer release, applied before its rollout; they do not make this one unavailable.' }),
      })
      .nullable()
      .openapi({ description: 'Null when the database did not answer.' }),
  })
  .openapi('Readiness');

const noStore = { 'Cache-Control': z.string().openapi({ description: '`no-store`: every check asks again.' }) };

export const liveness = publicRoute({
  operationId: 'getHealth',
  method: 'get',
  path: '/health',
  summary: 'Liveness: the process is up',
  description: 'Answers 200 whenever the process runs, without touching the database. Needs no API key.',
  responses: { 200: { description: 'The process is up.', headers: z.object(noStore), content: { 'application/json': { schema: Health } } } },
});

export const readiness = publicRoute({
  operationId: 'getReadiness',
  method: 'get',
  path: '/health/ready',
  summary: 'Readiness: the database answers and its migrations are current',
  description:
    "200 when the database answers and has every migration this release expects (compared with the release's own list); 503 otherwise, with what is missing. Needs no API key.",
  responses: {
    200: { description: 'Ready to serve requests.', headers: z.object(noStore), content: { 'application/json': { schema: Readiness } } },
    503: { description: 'Not ready: the database did not answer, or migrations are pending.', headers: z.object(noStore), content: { 'application/json': { schema: Readiness } } },
  },
});
