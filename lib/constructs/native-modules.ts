import { buildSync } from 'esbuild';

/**
 * Packages installed beside a bundle instead of inside it: sharp has platform binaries (installed
 * for linux-arm64); heic-decode is 2 MB of WebAssembly that the code imports lazily, on the first
 * HEIC upload, so keeping it out of the bundle keeps it out of every cold start; onnxruntime-node
 * (background removal with a model) is native and imported only when a model is configured.
 */
const NATIVE_MODULES = ['sharp', 'heic-decode', 'onnxruntime-node'] as const;

/**
 * The native packages an entry's own code imports. Only the project's modules are parsed (every
 * package stays external), so this takes milliseconds; a function whose import graph never reaches
 * sharp ships without it and starts faster. Answered once per entry and process: every app built
 * in one process (a test file builds several) asks again for the same fourteen entries.
 */
export const nativeModulesOf = (entry: string): string[] => {
  let found = answered.get(entry);
  if (!found) {
    found = scan(entry);
    answered.set(entry, found);
  }
  return [...found];
};

const answered = new Map<string, readonly string[]>();

const scan = (entry: string): string[] => {
  const { metafile } = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const imported = new Set(
    Object.values(metafile.outputs).flatMap((output) =>
      output.imports.filter((item) => item.external).map((item) => item.path),
    ),
  );
  return NATIVE_MODULES.filter((name) =>
    [...imported].some((path) => path === name || path.startsWith(`${name}/`)),
  );
};
