import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

/** One file of the built dashboard, as it is served under `/dashboard/`. */
export interface DashboardFile {
  /** Relative to `/dashboard/`: `index.html`, `app.js`, `styles.css`. */
  name: string;
  contentType: string;
  body: Uint8Array;
}

/** Where the dashboard lives on every origin that serves it (the viewer's on AWS, the runtime's locally). */
export const DASHBOARD_PATH = '/dashboard';

/** The browser may load only what the origin serves; `connect` adds the API's and the uploads' origins. */
export const dashboardCsp = (connect: string[] = [], images: string[] = []): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${images.join(' ')}`.trim(),
    `connect-src 'self' ${connect.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

/**
 * The dashboard's static files: its script bundled by esbuild (the generated API client, thumbhash
 * and the viewer's parameter table included), its page and its styles. One build for the local
 * runtime (in memory), `npm run dashboard:build` and the CDK deployment.
 */
export const buildDashboard = async (): Promise<DashboardFile[]> => {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'src/main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    outfile: 'app.js',
  });
  const [script] = result.outputFiles;
  if (!script) throw new Error('dashboard build produced no script');
  const read = (name: string) => readFile(join(import.meta.dirname, name));
  return [
    { name: 'index.html', contentType: 'text/html; charset=utf-8', body: await read('index.html') },
    { name: 'styles.css', contentType: 'text/css; charset=utf-8', body: await read('styles.css') },
    { name: 'app.js', contentType: 'text/javascript; charset=utf-8', body: script.contents },
  ];
};
