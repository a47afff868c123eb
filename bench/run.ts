/**
 * `npm run bench`: what users feel and what AWS bills, each next to its floor measured in the same
 * run, written to bench/RESULTS.md. Never part of `npm test`: these machines are noisy.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import sharp from 'sharp';
import { benchBands } from './bands.ts';
import { benchColdStart } from './cold-start.ts';
import { benchEncoders } from './encoders.ts';
import { startBenchRuntime } from './local.ts';
import { mergeSections, type Section, toMarkdown } from './report.ts';
import { benchScaling } from './scaling.ts';
import { benchUploads } from './upload.ts';
import { benchVariantStore } from './variant-store.ts';
import { benchViewer } from './viewer.ts';

const only = new Set(process.argv.slice(2));
const wanted = (name: string) => only.size === 0 || only.has(name);
const sections: Section[] = [];
const started = performance.now();
/** Progress on stderr, so a long run is never silent and stdout stays the report. */
const measured = (section: Section): void => {
  // Sections of RESULTS.md come from different runs: each says when, and how busy the machine was.
  const when = `Measured ${new Date().toISOString()}, load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} vCPU.`;
  sections.push({ ...section, notes: [...(section.notes ?? []), when] });
  console.error(`bench: ${section.title} measured (${((performance.now() - started) / 1000).toFixed(0)} s)`);
};

// The local runtime (and its emulators' warm-up) only for the sections that use it.
if (['upload', 'viewer', 'scaling'].some(wanted)) {
  const runtime = await startBenchRuntime();
  try {
    if (wanted('upload')) measured(await benchUploads(runtime));
    if (wanted('viewer')) measured(await benchViewer(runtime));
    if (wanted('viewer')) measured(await benchVariantStore(runtime));
    if (wanted('scaling')) measured(await benchScaling(runtime));
  } finally {
    await runtime.stop();
  }
}
if (wanted('cold-start')) measured(await benchColdStart());
if (wanted('bands')) measured(await benchBands());
if (wanted('encoders')) measured(await benchEncoders());

// java prints its version on stderr.
const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
const machine = [
  `Last run: ${new Date().toISOString()} (each section says when it was measured)`,
  `Machine: ${availableParallelism()} vCPU (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB`,
  `Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), ${javaVersion.split('\n')[0] || 'Java (see java -version)'}`,
  'Backends: DynamoDB Local (in memory) and s3rver on loopback, the same the local runtime uses.',
];
// Only the sections measured now are replaced: `npm run bench -- viewer` keeps every other table.
const results = new URL('RESULTS.md', import.meta.url);
const previous = await readFile(results, 'utf8').catch(() => '');
const markdown = mergeSections(
  previous,
  ['# Benchmark results', '', ...machine.map((line) => `- ${line}`), ''].join('\n'),
  sections.map((section) => ({ title: section.title, markdown: toMarkdown(section) })),
);
await writeFile(results, markdown);
console.log(sections.map(toMarkdown).join('\n'));
