import { join } from 'node:path';
import { buildSync, type Message } from 'esbuild';

/** CloudFront Functions refuses code over 10 KB. */
export const MAX_FUNCTION_BYTES = 10 * 1024;

/**
 * What cloudfront-js-2.0 supports beyond ES 5.1 (its documented feature list). Targeting ES5 with
 * these on makes esbuild lower what it can (optional chaining, `??`, object shorthand) and fail the
 * synth on what it cannot (destructuring, spread, for-of, classes, default parameters), instead of
 * CloudFront rejecting the function at deploy time.
 */
const CLOUDFRONT_JS_2_SYNTAX = {
  arrow: true,
  'const-and-let': true,
  'template-literal': true,
  'async-await': true,
  'exponent-operator': true,
  'rest-argument': true,
};

/** The first line of a function that uses CloudFront's helper module (origin selection). */
export const CLOUDFRONT_MODULE_IMPORT = "import cf from 'cloudfront';";

const build = (source: string, define: Record<string, string>) =>
  buildSync({
    define,
    entryPoints: [join(import.meta.dirname, source)],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'edge',
    platform: 'neutral',
    target: 'es5',
    supported: CLOUDFRONT_JS_2_SYNTAX,
    minify: true,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'silent',
    footer: { js: 'function handler(event) { return edge.handler(event); }' },
  });

/**
 * A CloudFront Function's code: `source` (a file in this folder) and what it imports, bundled into
 * one script whose top-level `handler(event)` is what CloudFront calls.
 */
const buildFunctionCode = (
  source: string,
  {
    define = {},
    cloudFrontModule = false,
  }: { define?: Record<string, string>; cloudFrontModule?: boolean } = {},
): string => {
  let result: ReturnType<typeof buildSync>;
  try {
    result = build(source, define);
  } catch (error) {
    const problems = ((error as { errors?: Message[] }).errors ?? []).map(
      (message) =>
        `${message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : ''}${message.text}`,
    );
    if (problems.length === 0) throw error;
    throw new Error(
      `The CloudFront Function ${source} cannot be built; its code and what it imports must stay within ` +
        `the cloudfront-js-2.0 syntax (ES 5.1 + let/const, arrows, rest parameters, template ` +
        `literals):\n${problems.join('\n')}`,
    );
  }
  const built = result.outputFiles?.[0]?.text ?? '';
  const code = cloudFrontModule ? `${CLOUDFRONT_MODULE_IMPORT}\n${built}` : built;
  const size = Buffer.byteLength(code);
  if (size > MAX_FUNCTION_BYTES) {
    throw new Error(
      `The function ${source} is ${size} bytes; CloudFront Functions allow ${MAX_FUNCTION_BYTES}.`,
    );
  }
  return code;
};

/** The viewer's function: `viewer-request.ts` with the viewer's own `canonical.ts`. */
export const buildViewerRequestCode = (): string => buildFunctionCode('viewer-request.ts');

/**
 * The API's function: `api-request.ts` with the API's `edge-contract.ts`. With `fullSizeUploads`
 * it sends large uploads to the full-size upload origin (and imports CloudFront's module to do so);
 * without, it is the same code with that branch compiled away.
 */
export const buildApiRequestCode = ({ fullSizeUploads = false } = {}): string =>
  buildFunctionCode('api-request.ts', {
    define: { FULL_SIZE_UPLOADS: String(fullSizeUploads) },
    cloudFrontModule: fullSizeUploads,
  });
