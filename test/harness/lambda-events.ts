import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An API Gateway HTTP API (payload v2) event, as the gateway hands it to a function. */
export function httpApiEvent(
  method: string,
  pathWithQuery: string,
  options: { headers?: Record<string, string>; body?: unknown; rawBody?: string; routeKey?: string } = {},
): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = pathWithQuery.split('?') as [string, string?];
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    // The gateway joins repeated parameters with commas here; rawQueryString keeps them apart.
    queryStringParameters[k] = queryStringParameters[k] ? `${queryStringParameters[k]},${v}` : v;
  }
  const headers: Record<string, string> = { host: 'api.example.test', 'user-agent': 'vitest', ...options.headers };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: options.routeKey ?? '$default',
    rawPath,
    rawQueryString,
    headers,
    queryStringParameters: rawQueryString ? queryStringParameters : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${now.getTime()}`,
      routeKey: options.routeKey ?? '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    isBase64Encoded: false,
  };
}
