import type { IncomingMessage } from 'node:http';

/** How long a refused body is read and dropped before the connection is cut. */
const DISCARD_MS = 10_000;

/**
 * Reads and drops the rest of a refused body, so that a client still sending it finishes and reads
 * the answer, as browsers and fetch do, instead of meeting a reset (closing at once races the
 * client's writes). A client that sends for longer than DISCARD_MS is cut off. For the servers that
 * read bodies themselves: the local gateway and the full-size upload service.
 */
export const discardRest = (request: IncomingMessage): void => {
  const cutOff = setTimeout(() => request.socket.destroy(), DISCARD_MS).unref();
  request.once('end', () => clearTimeout(cutOff));
  request.once('close', () => clearTimeout(cutOff));
  request.resume();
};
