import crypto from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { localEndpoint } from './aws-local-clients.ts';

export interface S3LocalOptions {
  /** Where buckets and objects are kept (created if missing); they survive restarts. */
  directory: string;
  /** @default 0: a free port */
  port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
}

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

/** Set to `1` to see s3rver's request log. */
const S3_LOG_ENV = 'LOCAL_S3_LOG';

// s3rver ships no type declarations; this is the part used here.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  vhostBuckets: boolean;
}) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/**
 * Runs s3rver in this process. Buckets are not created here: the caller creates them through the S3 API, exactly
 * as against AWS.
 */
export const startS3Local = async (options: S3LocalOptions): Promise<S3Local> => {
  mapSingleDesToTripleDes();
  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    directory,
    silent: process.env[S3_LOG_ENV] !== '1',
    // Clients use path-style URLs; without this s3rver would read any non-IP host name as a bucket name.
    vhostBuckets: false,
  });
  const { port } = await server.run();
  let stopped: Promise<void> | undefined;
  return {
    endpoint: localEndpoint(host, port),
    stop: () => {
      stopped ??= server.close();
      return stopped;
    },
  };
};

const PATCHED = Symbol.for('imgpro.local.s3rverSingleDes');

type CipherFactory = (algorithm: string, key: crypto.CipherKey, ...rest: unknown[]) => unknown;

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES (`'des'`), which OpenSSL 3 only offers through
 * its legacy provider, so the second page of any listing fails with ERR_OSSL_EVP_UNSUPPORTED. Triple DES with the
 * key repeated three times (K1 = K2 = K3) is the same computation as single DES, and OpenSSL 3 still has it: the
 * tokens are byte-for-byte those s3rver expects, and `--openssl-legacy-provider` is not needed.
 *
 * s3rver calls `crypto.createCipheriv` on the shared module object, so that object is what gets wrapped. Only the
 * exact call s3rver makes (`'des'` with an 8-byte Buffer key) is rewritten; it fails anyway without the legacy
 * provider, and every other call passes through untouched. Applied once per process.
 */
const mapSingleDesToTripleDes = () => {
  const target = crypto as typeof crypto & { [PATCHED]?: true };
  if (target[PATCHED]) return;
  const wrap = <F>(original: F): F => {
    const call = original as CipherFactory;
    return ((algorithm, key, ...rest) =>
      algorithm === 'des' && Buffer.isBuffer(key) && key.length === 8
        ? call('des-ede3-cbc', Buffer.concat([key, key, key]), ...rest)
        : call(algorithm, key, ...rest)) as CipherFactory as F;
  };
  target.createCipheriv = wrap(crypto.createCipheriv);
  target.createDecipheriv = wrap(crypto.createDecipheriv);
  target[PATCHED] = true;
};
