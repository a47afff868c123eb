import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDashboard } from '../dashboard/build.ts';

/**
 * `npm run dashboard:build [dir]`: the dashboard's static files, as the CDK deploys them under
 * `/dashboard/` (default dir: dashboard/dist, ignored by git).
 */
const out = process.argv[2] ?? join(import.meta.dirname, '../dashboard/dist');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const file of await buildDashboard()) await writeFile(join(out, file.name), file.body);
console.log(`dashboard built in ${out}`);
