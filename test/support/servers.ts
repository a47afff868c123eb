import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on a loopback address that records every connection and request, so tests
 * can prove a refused import never reached it.
 */
export const startRecordingServer = async (listener: RequestListener, host = '127.0.0.1') => {
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  let connections = 0;
  const server: Server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    listener(request, response);
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${host}:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
export type RecordingServer = Awaited<ReturnType<typeof startRecordingServer>>;
