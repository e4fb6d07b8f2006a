/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: 'parley',
      removal: input?.stage === 'production' ? 'retain' : 'remove',
      home: 'aws',
    };
  },
  async run() {
    await import('./infra/secrets');
    const { exportsBucket } = await import('./infra/storage');
    const { exportsQueue } = await import('./infra/queue');
    const { webhooksQueue } = await import('./infra/webhooks');
    const { api } = await import('./infra/api');
    await import('./infra/cron');
    return {
      api: api.url,
      exportsBucket: exportsBucket.name,
      exportsQueue: exportsQueue.url,
      webhooksQueue: webhooksQueue.url,
    };
  },
});
