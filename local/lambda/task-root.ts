import { existsSync, readFileSync } from 'node:fs';
import { cp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, parse } from 'node:path';
import type { Architecture } from './kit.ts';

const TASK_ROOTS = join(tmpdir(), 'imgpro-lambda-tasks');

/** The project's own packages: where the host's native binaries come from. */
const HOST_MODULES = join(import.meta.dirname, '..', '..', 'node_modules');

/**
 * Native binaries by package, as paths under `node_modules`. An asset carries them for the
 * function's architecture only (linux-arm64); to run it on another one here, the host's build of the
 * same version is added beside them. The JavaScript stays the asset's own.
 */
const PLATFORM_BINARIES: Record<string, (arch: Architecture) => string[]> = {
  sharp: (arch) => [`@img/sharp-linux-${arch}`, `@img/sharp-libvips-linux-${arch}`],
  'onnxruntime-node': (arch) => [join('onnxruntime-node', 'bin', 'napi-v6', 'linux', arch)],
};

/**
 * A function's code as Lambda unpacks it into `/var/task`: a copy of its asset in a folder of its
 * own, outside the project, so that its code can resolve nothing but the asset's own `node_modules`
 * (from inside `cdk.out`, Node would also find the project's). Running on an architecture the asset
 * was not built for adds the host's native binaries (see `PLATFORM_BINARIES`). Assets are named by
 * their content hash, so a copy made once is reused.
 */
export const taskRoot = async (asset: string, options: { arch: Architecture; builtFor: Architecture }) => {
  const overlay = options.arch !== options.builtFor;
  const dir = join(
    tmpdir(),
    'imgpro-lambda-tasks',
    `${basename(asset)}-${options.arch}${overlay ? '-host' : ''}`,
  );
  assertIsolated(dir);
  if (existsSync(dir)) return dir;
  const building = `${dir}.${process.pid}-${Date.now()}`;
  await cp(asset, building, { recursive: true });
  if (overlay) await addHostBinaries(building, options.arch);
  // Another process may have prepared the same asset meanwhile: either copy is the same.
  await rename(building, dir).catch(() => rm(building, { recursive: true, force: true }));
  return dir;
};

const addHostBinaries = async (root: string, arch: Architecture) => {
  for (const [name, paths] of Object.entries(PLATFORM_BINARIES)) {
    const shipped = join(root, 'node_modules', name, 'package.json');
    if (!existsSync(shipped)) continue;
    const [asset, host] = [shipped, join(HOST_MODULES, name, 'package.json')].map(versionOf);
    if (asset !== host) {
      throw new Error(
        `The asset ships ${name}@${asset} but this project has ${name}@${host}: its ${arch} binaries would not ` +
          'match. Run npm ci, then synthesize again.',
      );
    }
    for (const path of paths(arch))
      await cp(join(HOST_MODULES, path), join(root, 'node_modules', path), { recursive: true });
  }
};

/** Node resolves packages in every ancestor's `node_modules`: none may exist above a task root. */
const assertIsolated = (dir: string) => {
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    if (existsSync(join(parent, 'node_modules'))) {
      throw new Error(
        `${join(parent, 'node_modules')} exists: functions under ${dir} could load packages from it that ` +
          'their assets lack. Remove it or point TMPDIR elsewhere.',
      );
    }
    if (parent === parse(parent).root) return;
  }
};

const versionOf = (packageJson: string): string =>
  existsSync(packageJson)
    ? (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
    : 'none';

/** Removes the task roots made from these assets, for every architecture. */
export const removeTaskRoots = async (assets: readonly string[]): Promise<void> => {
  const names = new Set(assets.map((asset) => basename(asset)));
  const made = await readdir(TASK_ROOTS).catch(() => []);
  for (const entry of made) {
    if (names.has(entry.replace(/-(x64|arm64)(-host)?$/, '')))
      await rm(join(TASK_ROOTS, entry), { recursive: true, force: true });
  }
};
