import { endpointGroups } from '../packages/functions/src/groups';
import { chatProviders, databaseUrl } from './secrets';
import { exportsQueue } from './queue';
import { exportsBucket } from './storage';

// One function per endpoint group, serving every route of its group.
export const api = new sst.aws.ApiGatewayV2('Api');

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

export const groupFunctions = Object.fromEntries(
  endpointGroups.map((group) => {
    const fn = new sst.aws.Function(`${pascal(group.name)}Api`, {
      handler: group.handler,
      runtime: 'nodejs22.x',
      architecture: 'arm64',
      memory: '1024 MB',
      timeout: '29 seconds',
      link: [databaseUrl, chatProviders, exportsBucket, exportsQueue],
      environment: { DATABASE_DRIVER: 'neon' },
    });
    for (const route of group.routes) api.route(route, fn.arn);
    return [group.name, fn] as const;
  }),
);
