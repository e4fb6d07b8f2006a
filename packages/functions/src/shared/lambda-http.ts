import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { createHttpApp } from './http.js';
import { lambdaConfig } from './lambda-config.js';
import { emfSink } from './metrics.js';
import { jsonLines } from './request-log.js';

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A function's handler: its group's app (or apps) behind the shared HTTP conventions, built on the first request
 * (when the configuration is read), with JSON log lines carrying CloudWatch EMF metrics. Origins: the
 * configured ones; none unless CORS_ORIGINS says so (infra/api.ts sets it from the same variable).
 */
export function lambdaHttpHandler(...groups: Array<Hono<any, any, any>>): HttpHandler {
  let handler: HttpHandler | undefined;
  return (event, context) => {
    handler ??= handle(
      createHttpApp(groups, { cors: lambdaConfig().corsOrigins ?? [], telemetry: { log: jsonLines, metrics: emfSink() } }),
    ) as HttpHandler;
    return handler(event, context);
  };
}
