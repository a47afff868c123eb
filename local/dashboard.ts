import { buildDashboard, DASHBOARD_PATH, type DashboardFile, dashboardCsp } from '../dashboard/build.ts';
import type { GatewayRoute, LambdaHandler } from './gateway.ts';

/**
 * The dashboard on the local runtime's origin, which is the API's and the viewer's at once (on AWS
 * it is on the viewer's distribution, from S3). Built in memory on first request. The page names
 * no API (`config.json` is empty), so it calls its own origin; storage's origin is allowed for the
 * presigned POST of direct uploads.
 */
export const dashboardRoutes = (storageOrigin: string): GatewayRoute[] => {
  let built: Promise<Map<string, DashboardFile>> | undefined;
  const files = () => {
    built ??= buildDashboard().then((list) => new Map(list.map((file) => [file.name, file])));
    return built;
  };
  const headers = {
    'content-security-policy': dashboardCsp([new URL(storageOrigin).origin]),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
  const serve =
    (fixed?: string): (() => Promise<LambdaHandler>) =>
    async () =>
    async (event) => {
      const name = fixed ?? event.pathParameters?.file ?? '';
      if (name === 'config.json')
        return { statusCode: 200, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' };
      const file = (await files()).get(name);
      if (!file)
        return {
          statusCode: 404,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ error: 'not_found', message: 'No such dashboard file.' }),
        };
      return {
        statusCode: 200,
        headers: { ...headers, 'content-type': file.contentType },
        body: Buffer.from(file.body).toString('base64'),
        isBase64Encoded: true,
      };
    };
  return [
    { method: 'GET', path: DASHBOARD_PATH, load: serve('index.html') },
    { method: 'GET', path: `${DASHBOARD_PATH}/`, load: serve('index.html') },
    { method: 'GET', path: `${DASHBOARD_PATH}/{file}`, load: serve() },
  ];
};
