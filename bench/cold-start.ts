/**
 * Cold start: each function's bundle as `cdk synth` builds it (esbuild, minified ESM), and the time
 * a fresh Node process takes to import it (module init, what Lambda bills before the first request).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Section } from './report.ts';
import { percentile } from './stats.ts';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'cdk.out');
/** Bundles are imported from inside the project so externals resolve to this machine's modules. */
const scratch = join(root, '.bench-bundles');

interface LambdaAsset {
  name: string;
  path: string;
}

const lambdaAssets = async (): Promise<LambdaAsset[]> => {
  const assets: LambdaAsset[] = [];
  for (const file of (await readdir(out)).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(await readFile(join(out, file), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const path = resource.Metadata?.['aws:asset:path'];
      if (resource.Type === 'AWS::Lambda::Function' && path && !logicalId.startsWith('LogRetention')) {
        assets.push({ name: logicalId.replace(/[0-9A-F]{8}$/, ''), path: join(out, path) });
      }
    }
  }
  return assets;
};

const initMs = async (bundle: string): Promise<number> => {
  // The Lambda runtime provides the response-streaming global the viewer entry wraps itself in.
  const runtimeGlobals =
    'globalThis.awslambda = { streamifyResponse: (f) => f, HttpResponseStream: { from: (s) => s } };';
  const script = `${runtimeGlobals} const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  return Number(stdout.trim());
};

export const benchColdStart = async (): Promise<Section> => {
  const synthStart = performance.now();
  await run(join(root, 'node_modules/.bin/cdk'), ['synth', '--quiet', '-o', out], {
    cwd: root,
    maxBuffer: 1 << 26,
  });
  const synthSeconds = (performance.now() - synthStart) / 1000;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const rows: (string | number)[][] = [];
  try {
    for (const asset of await lambdaAssets()) {
      const entry = join(asset.path, 'index.mjs');
      const size = (await stat(entry)).size;
      const copy = join(scratch, `${asset.name}.mjs`);
      await copyFile(entry, copy);
      const samples = [];
      for (let i = 0; i < 5; i++) samples.push(await initMs(copy));
      rows.push([asset.name, (size / 1024).toFixed(0), percentile(samples, 50).toFixed(0)]);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return {
    title: 'Cold start (bundles from cdk synth)',
    header: [
      'function',
      'bundle KiB (minified, without source map)',
      'module init ms (p50 of 5 fresh processes)',
    ],
    rows,
    notes: [
      `cdk synth with local esbuild bundling took ${synthSeconds.toFixed(0)} s.`,
      'Init is measured on this machine (x86_64). The AWS SDK is inside each bundle (bundleAwsSDK: the versions the tests ran against), so its load is included; native and lazily loaded packages (sharp, heic-decode, onnxruntime-node) come from this machine’s node_modules instead of the arm64 install beside the bundle.',
      'Targets: API functions ≤ 500 KB and ≤ 150 ms init; viewer ≤ 400 ms init.',
    ],
  };
};
