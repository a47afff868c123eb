/**
 * `npm run bench`: what users feel and what AWS bills, each next to its floor measured in the same
 * run, written to bench/RESULTS.md. Never part of `npm test`: these machines are noisy.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import sharp from 'sharp';
import { benchColdStart } from './cold-start.ts';
import { startBenchRuntime } from './local.ts';
import { type Section, toMarkdown } from './report.ts';
import { benchScaling } from './scaling.ts';
import { benchUploads } from './upload.ts';
import { benchViewer } from './viewer.ts';

const only = new Set(process.argv.slice(2));
const wanted = (name: string) => only.size === 0 || only.has(name);
const sections: Section[] = [];

// The local runtime (and its emulators' warm-up) only for the sections that use it.
if (['upload', 'viewer', 'scaling'].some(wanted)) {
  const runtime = await startBenchRuntime();
  try {
    if (wanted('upload')) sections.push(await benchUploads(runtime));
    if (wanted('viewer')) sections.push(await benchViewer(runtime));
    if (wanted('scaling')) sections.push(await benchScaling(runtime));
  } finally {
    await runtime.stop();
  }
}
if (wanted('cold-start')) sections.push(await benchColdStart());

// java prints its version on stderr.
const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
const machine = [
  `Date: ${new Date().toISOString()}`,
  `Machine: ${availableParallelism()} vCPU (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB`,
  `Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), ${javaVersion.split('\n')[0] || 'Java (see java -version)'}`,
  'Backends: DynamoDB Local (in memory) and s3rver on loopback, the same the local runtime uses.',
];
const markdown = [
  '# Benchmark results',
  '',
  ...machine.map((line) => `- ${line}`),
  '',
  ...sections.map(toMarkdown),
].join('\n');
await writeFile(new URL('RESULTS.md', import.meta.url), markdown);
console.log(markdown);
