import { createLargeUploadServer } from './server.ts';

/**
 * The full-size upload container's entry (lib/constructs/large-uploads.ts): the server on `PORT`,
 * closed gracefully when ECS stops the task (SIGTERM), so uploads under way may finish.
 */
const server = createLargeUploadServer();
server.listen(Number(process.env.PORT ?? 8080), () => console.log('large uploads: listening'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
