import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildOptions, build, buildSync } from 'esbuild';

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

const SCRIPT: BuildOptions = {
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
};
const STATIC = [
  { name: 'index.html', contentType: 'text/html; charset=utf-8' },
  { name: 'styles.css', contentType: 'text/css; charset=utf-8' },
];
const SCRIPT_TYPE = 'text/javascript; charset=utf-8';

/**
 * The dashboard's static files: its script bundled by esbuild (the generated API client, thumbhash
 * and the viewer's parameter table included), its page and its styles. One build for the local
 * runtime (in memory), `npm run dashboard:build` and the CDK deployment.
 */
export const buildDashboard = async (): Promise<DashboardFile[]> => {
  const [script] = (await build(SCRIPT)).outputFiles ?? [];
  if (!script) throw new Error('dashboard build produced no script');
  const pages = await Promise.all(
    STATIC.map(async (file) => ({ ...file, body: await readFile(join(import.meta.dirname, file.name)) })),
  );
  return [...pages, { name: 'app.js', contentType: SCRIPT_TYPE, body: script.contents }];
};

/** The same files written to `directory`, synchronously: CDK constructs cannot wait (synth time). */
export const writeDashboardSync = (directory: string): void => {
  const [script] = buildSync(SCRIPT).outputFiles ?? [];
  if (!script) throw new Error('dashboard build produced no script');
  mkdirSync(directory, { recursive: true });
  for (const { name } of STATIC)
    writeFileSync(join(directory, name), readFileSync(join(import.meta.dirname, name)));
  writeFileSync(join(directory, 'app.js'), script.contents);
};
