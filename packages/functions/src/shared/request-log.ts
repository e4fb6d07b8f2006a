import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './env.js';
import { METRICS, type MetricsSink } from './metrics.js';

// One structured line per request, locally and on Lambda, with the request's metrics on it. It names
// the route by its pattern and the caller by workspace and key id, so it never holds what a path, a
// query or a body may carry (phone numbers, emails, message text) nor a key's secret.

export type LogWriter = (entry: Record<string, unknown>) => void;

const print = (entry: Record<string, unknown>, line: string) => (entry.level === 'error' ? console.error : console.log)(line);

/** JSON lines on standard output, errors on standard error (CloudWatch Logs on Lambda). */
export const jsonLines: LogWriter = (entry) => print(entry, JSON.stringify(entry));

/** For a terminal (`npm start`): request lines short, anything else as JSON. */
export function prettyLines(write: (entry: Record<string, unknown>, line: string) => void = print): LogWriter {
  return (entry) => {
    if (entry.message !== 'request') return write(entry, JSON.stringify(entry));
    const who = entry.keyId ? `  key ${entry.keyId}` : '';
    write(entry, `${String(entry.time).slice(11, 23)} ${entry.method} ${entry.route} ${entry.status} ${entry.durationMs} ms${who}`);
  };
}

export interface Telemetry {
  log: LogWriter;
  metrics: MetricsSink;
}

/** What hono/aws-lambda hands the app as `c.env`; absent elsewhere. */
interface LambdaEnv {
  event?: { requestContext?: { requestId?: string } };
  lambdaContext?: { awsRequestId?: string };
}

/** The pattern of the route the request was for, as the OpenAPI document writes it (`/api/v1/chats/{id}`). */
export function routePattern(c: Context): string | undefined {
  const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
  return route?.path.replace(/:([\w-]+)(?:\{[^}]*\})?/g, '{$1}');
}

export function requestLog(telemetry: Telemetry): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const time = new Date();
    const started = performance.now();
    await next();
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const status = c.res.status;
    const route = routePattern(c) ?? 'unmatched';
    const method = c.req.method;
    const env = c.env as LambdaEnv | undefined;
    const principal = c.get('principal');
    const measured = telemetry.metrics.record({
      dimensions: { route, method },
      values: [
        [METRICS.requests, 1],
        [METRICS.latency, durationMs],
        [METRICS.requestErrors, status >= 500 ? 1 : 0],
        [METRICS.clientErrors, status >= 400 && status < 500 ? 1 : 0],
      ],
    });
    telemetry.log({
      time: time.toISOString(),
      level: status >= 500 ? 'error' : 'info',
      message: 'request',
      requestId: c.get('requestId') ?? c.res.headers.get('x-request-id') ?? undefined,
      awsRequestId: env?.lambdaContext?.awsRequestId,
      apiGatewayRequestId: env?.event?.requestContext?.requestId,
      method,
      route,
      status,
      durationMs,
      workspaceId: principal?.workspaceId,
      keyId: principal?.keyId,
      ...measured,
    });
  };
}
