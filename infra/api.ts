import { endpointGroups } from '../packages/functions/src/groups';
import { exportsQueue } from './queue';
import { chatProviders, databaseUrl } from './secrets';
import { exportsBucket } from './storage';

export const api = new sst.aws.ApiGatewayV2('Api');

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
      architecture: 'arm64',
      memory: '1024 MB',
      // API Gateway HTTP APIs give up on an integration after 30 seconds.
      timeout: '29 seconds',
      link: [databaseUrl, chatProviders, exportsBucket, exportsQueue],
      environment: { DATABASE_DRIVER: 'neon' },
    });
    for (const route of group.routes) api.route(route, fn.arn);
    return [group.name, fn] as const;
  }),
);
