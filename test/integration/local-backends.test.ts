import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  TransactionCanceledException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '#core/platform/clients';
import { localDynamoConfig } from '../../local/aws-local-clients.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { type S3Local, startS3Local } from '../../local/s3-local.ts';

// A JVM start takes a few seconds; leave room for a loaded machine.
const JVM_TIMEOUT = 60_000;

const tempDirs: string[] = [];
const makeTempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'local-backends-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const waitUntilGone = async (pid: number, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid) && Date.now() < deadline) await sleep(50);
  return !isRunning(pid);
};

const createTable = async (client: DynamoDBClient, TableName: string) => {
  await client.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName });
};

describe('DynamoDB Local in memory', () => {
  let db: DynamoDbLocal;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    db = await startDynamoDbLocal({});
    client = new DynamoDBClient(localDynamoConfig(db.endpoint));
    doc = DynamoDBDocumentClient.from(client);
    await createTable(client, 'media');
  }, JVM_TIMEOUT);

  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });

  it('listens on the loopback endpoint it reports', () => {
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('enables TTL on an attribute', async () => {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: 'media',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: 'media' }),
    );
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('cancels a whole transaction when one condition fails, and says which', async () => {
    await doc.send(new PutCommand({ TableName: 'media', Item: { pk: 'taken', owner: 'first' } }));

    const failure = await doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: 'media',
                Item: { pk: 'fresh' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: 'media',
                Item: { pk: 'taken', owner: 'second' },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    assert.ok(failure instanceof TransactionCanceledException, `unexpected outcome: ${String(failure)}`);
    expect(failure.CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(failure.CancellationReasons?.[1]?.Item).toEqual({ pk: { S: 'taken' }, owner: { S: 'first' } });
    // Nothing from the cancelled transaction was written.
    expect(
      (await doc.send(new GetCommand({ TableName: 'media', Key: { pk: 'fresh' } }))).Item,
    ).toBeUndefined();
    expect((await doc.send(new GetCommand({ TableName: 'media', Key: { pk: 'taken' } }))).Item).toEqual({
      pk: 'taken',
      owner: 'first',
    });
  });

  it('commits a transaction whose conditions hold', async () => {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'media', Item: { pk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: 'media', Item: { pk: 'b' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    const items = await Promise.all(
      ['a', 'b'].map(
        async (pk) => (await doc.send(new GetCommand({ TableName: 'media', Key: { pk } }))).Item,
      ),
    );
    expect(items).toEqual([{ pk: 'a' }, { pk: 'b' }]);
  });
});

describe('s3rver', () => {
  const Bucket = 'media';
  let directory: string;
  let s3: S3Local;
  let client: S3Client;

  const connect = async () => {
    s3 = await startS3Local({ directory });
    // The very client the services build for a custom endpoint; s3rver takes only these credentials.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    client = createS3Client({ region: 'us-east-1', s3Endpoint: s3.endpoint });
  };
  const disconnect = async () => {
    client?.destroy();
    await s3?.stop();
  };

  beforeAll(async () => {
    directory = await makeTempDir();
    await connect();
    await client.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(disconnect);

  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('listens on loopback', () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores a streamed body byte for byte (no aws-chunked framing)', async () => {
    const chunks = [randomBytes(65_536), randomBytes(100_000), randomBytes(7)];
    const original = Buffer.concat(chunks);
    await client.send(
      new PutObjectCommand({
        Bucket,
        Key: 'streamed.bin',
        Body: Readable.from(chunks),
        ContentLength: original.length,
        ContentType: 'application/octet-stream',
      }),
    );

    const object = await client.send(new GetObjectCommand({ Bucket, Key: 'streamed.bin' }));
    const stored = await object.Body?.transformToByteArray();
    assert.ok(stored);
    expect(stored.length).toBe(original.length);
    expect(sha256(stored)).toBe(sha256(original));
  });

  it('pages through a listing with continuation tokens', async () => {
    const keys = ['page/0', 'page/1', 'page/2', 'page/3', 'page/4'];
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket, Key, Body: Key }));

    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client, pageSize: 2 }, { Bucket, Prefix: 'page/' })) {
      pages.push((page.Contents ?? []).map((object) => object.Key ?? ''));
    }
    expect(pages).toEqual([['page/0', 'page/1'], ['page/2', 'page/3'], ['page/4']]);
  });

  it('keeps objects in its directory across a restart', async () => {
    await client.send(new PutObjectCommand({ Bucket, Key: 'kept.txt', Body: 'still here' }));
    await disconnect();
    await connect();
    const object = await client.send(new GetObjectCommand({ Bucket, Key: 'kept.txt' }));
    expect(await object.Body?.transformToString()).toBe('still here');
  });
});

describe('DynamoDB Local lifecycle', () => {
  const started: DynamoDbLocal[] = [];
  const children: ChildProcess[] = [];
  const orphanCandidates: number[] = [];
  const start = async (options: Parameters<typeof startDynamoDbLocal>[0]) => {
    const db = await startDynamoDbLocal(options);
    started.push(db);
    return db;
  };
  afterEach(async () => {
    vi.unstubAllEnvs();
    for (const child of children.splice(0)) child.kill('SIGKILL');
    // Should a test fail, a JVM started by a child process must not be left behind.
    for (const pid of orphanCandidates.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all(started.splice(0).map((db) => db.stop()));
  });

  it('stop() ends the JVM and can be called again', { timeout: JVM_TIMEOUT }, async () => {
    const db = await start({});
    expect(isRunning(db.pid)).toBe(true);
    await db.stop();
    expect(() => process.kill(db.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(db.stop()).resolves.toBeUndefined();
  });

  it('keeps tables in dataDir across a restart', { timeout: JVM_TIMEOUT * 2 }, async () => {
    const dataDir = join(await makeTempDir(), 'nested', 'dynamodb');
    const first = await start({ dataDir });
    const firstClient = new DynamoDBClient(localDynamoConfig(first.endpoint));
    await createTable(firstClient, 'kept');
    await DynamoDBDocumentClient.from(firstClient).send(
      new PutCommand({ TableName: 'kept', Item: { pk: 'x', n: 1 } }),
    );
    firstClient.destroy();
    await first.stop();
    expect(existsSync(join(dataDir, 'shared-local-instance.db'))).toBe(true);

    const second = await start({ dataDir });
    const secondClient = DynamoDBDocumentClient.from(new DynamoDBClient(localDynamoConfig(second.endpoint)));
    const { Item } = await secondClient.send(new GetCommand({ TableName: 'kept', Key: { pk: 'x' } }));
    secondClient.destroy();
    expect(Item).toEqual({ pk: 'x', n: 1 });
  });

  it('explains a missing Java runtime', { timeout: JVM_TIMEOUT }, async () => {
    vi.stubEnv('JAVA_HOME', join(tmpdir(), 'no-such-java'));
    await expect(startDynamoDbLocal({})).rejects.toThrow(/Java runtime ≥ 17/);
  });

  it('refuses a port that is already taken', async () => {
    const taken = createServer().listen(0);
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(`port ${port} is already in use`);
    } finally {
      taken.close();
    }
  });

  /** Starts DynamoDB Local from a separate Node process and returns that process and the JVM's pid. */
  const startInChildProcess = async () => {
    const moduleUrl = new URL('../../local/dynamodb-local.ts', import.meta.url).href;
    const script = `
      const { startDynamoDbLocal } = await import(${JSON.stringify(moduleUrl)});
      const db = await startDynamoDbLocal({});
      console.log(JSON.stringify({ pid: db.pid }));
      setInterval(() => {}, 60_000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '--eval', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const { pid } = JSON.parse(line) as { pid: number };
    orphanCandidates.push(pid);
    expect(isRunning(pid)).toBe(true);
    return { child, javaPid: pid };
  };

  it('takes the JVM down when its parent is terminated', { timeout: JVM_TIMEOUT }, async () => {
    const { child, javaPid } = await startInChildProcess();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    // The parent still dies by the signal, as it would without the module's handler.
    expect(await exited).toEqual([null, 'SIGTERM']);
    expect(await waitUntilGone(javaPid)).toBe(true);
  });

  it('takes the JVM down when its parent is SIGKILLed', { timeout: JVM_TIMEOUT }, async () => {
    const { child, javaPid } = await startInChildProcess();
    child.kill('SIGKILL');
    expect(await waitUntilGone(javaPid)).toBe(true);
  });
});
