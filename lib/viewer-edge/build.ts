import { join } from 'node:path';
import { buildSync, type Message } from 'esbuild';

/** CloudFront Functions refuses code over 10 KB. */
export const MAX_FUNCTION_BYTES = 10 * 1024;

const SOURCE = join(import.meta.dirname, 'viewer-request.ts');

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

const build = () =>
  buildSync({
    entryPoints: [SOURCE],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'viewerRequest',
    platform: 'neutral',
    target: 'es5',
    supported: CLOUDFRONT_JS_2_SYNTAX,
    minify: true,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'silent',
    footer: { js: 'function handler(event) { return viewerRequest.handler(event); }' },
  });

/**
 * The viewer-request function's code: `viewer-request.ts` and the viewer's `canonical.ts` bundled
 * into one script whose top-level `handler(event)` is what CloudFront calls.
 */
export const buildViewerRequestCode = (): string => {
  let result: ReturnType<typeof buildSync>;
  try {
    result = build();
  } catch (error) {
    const problems = ((error as { errors?: Message[] }).errors ?? []).map(
      (message) =>
        `${message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : ''}${message.text}`,
    );
    if (problems.length === 0) throw error;
    throw new Error(
      `The viewer-request CloudFront Function cannot be built; its code (and lambdas/viewer/canonical.ts) must ` +
        `stay within the cloudfront-js-2.0 syntax (ES 5.1 + let/const, arrows, rest parameters, template ` +
        `literals):\n${problems.join('\n')}`,
    );
  }
  const code = result.outputFiles?.[0]?.text ?? '';
  const size = Buffer.byteLength(code);
  if (size > MAX_FUNCTION_BYTES) {
    throw new Error(
      `The viewer-request function is ${size} bytes; CloudFront Functions allow ${MAX_FUNCTION_BYTES}.`,
    );
  }
  return code;
};
