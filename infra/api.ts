import { parseCorsOrigins } from '../packages/core/src/cors-origins';
import { endpointGroups } from '../packages/functions/src/groups';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from '../packages/functions/src/shared/cors-settings';
import { exportsQueue } from './queue';
import { chatProviders, databaseUrl } from './secrets';
import { exportsBucket } from './storage';

/**
 * The origins browsers may call from, as CORS_ORIGINS says at deploy time (none when unset), parsed as the
 * functions parse it. The gateway answers preflights for them; the functions get the same value.
 */
export const corsOrigins = parseCorsOrigins(process.env.CORS_ORIGINS) ?? [];
const corsSetting = corsOrigins === '*' ? '*' : corsOrigins.length ? corsOrigins.join(',') : 'none';

export const api = new sst.aws.ApiGatewayV2('Api', {
  // SST's default (true) would allow every origin: off unless origins are configured.
  cors:
    corsOrigins === '*' || corsOrigins.length
      ? {
          allowOrigins: corsOrigins === '*' ? ['*'] : [...corsOrigins],
          allowMethods: [...CORS_ALLOW_METHODS],
          allowHeaders: CORS_ALLOW_HEADERS,
          exposeHeaders: CORS_EXPOSE_HEADERS,
          maxAge: `${CORS_MAX_AGE_SECONDS} seconds`,
        }
      : false,
});

const pascalCase = (name: string) => name.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * One function per endpoint group, serving every route of its group. `api.route` is given the function's
 * ARN: its handler parameter accepts a handler path, function args or an ARN, and the first two would
 * create one function per route.
 */
export const groupFunctions = Object.fromEntries(
  endpointGroups.map((group) => {
    const fn = new sst.aws.Function(`${pascalCase(group.name)}Api`, {
      handler: group.handler,
      runtime: 'nodejs22.x',
      // What a request path loads on demand (AWS SDK, nodemailer, ajv, markdown) in chunks of its own, as scripts/build.ts does.
      nodejs: { splitting: true },
      architecture: 'arm64',
      memory: '1024 MB',
      // API Gateway HTTP APIs give up on an integration after 30 seconds.
      timeout: '29 seconds',
      link: [databaseUrl, chatProviders, exportsBucket, exportsQueue],
      environment: { DATABASE_DRIVER: 'neon', CORS_ORIGINS: corsSetting },
    });
    for (const route of group.routes) api.route(route, fn.arn);
    return [group.name, fn] as const;
  }),
);
