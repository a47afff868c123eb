import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportKnownFields, PatchKnownFields } from '#core/http/requests';
import { PARAMETERS } from '#core/images/parameters';
import { jpeg, png } from '#test/fixtures';
import { startTestRuntime, type TestRuntime } from '#test/runtime';
import { type RecordingServer, startRecordingServer } from '#test/servers';

/**
 * `npm run mcp` as an agent runs it: a child process spoken to over stdio with the SDK's client,
 * configured by environment, against the local runtime.
 */
let runtime: TestRuntime;
let origin: RecordingServer;
let workDir: string;
const clients: Client[] = [];

const connect = async (env: Record<string, string>) => {
  const client = new Client({ name: 'imgpro-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: 'npm',
      args: ['run', '--silent', 'mcp'],
      cwd: join(import.meta.dirname, '..', '..'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stderr: 'ignore',
    }),
  );
  clients.push(client);
  return client;
};

/** A tool's answer: the JSON it carries, and whether it is an error. */
const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
  const answer = await client.callTool({ name, arguments: args });
  const [first] = Array.isArray(answer.content) ? answer.content : [];
  expect(first?.type).toBe('text');
  return { isError: answer.isError === true, body: JSON.parse(String(first?.text)) };
};

beforeAll(async () => {
  const photo = await jpeg(48, 32);
  origin = await startRecordingServer((request, response) => {
    if (request.url === '/photo.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
    else response.writeHead(404).end();
  });
  runtime = await startTestRuntime({
    IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
    IMPORT_ALLOWED_PORTS: '*',
    ANON_RATE_LIMIT_HOURLY: '1',
  });
  workDir = await mkdtemp(join(tmpdir(), 'imgpro-mcp-'));
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await runtime?.stop();
  await origin?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the MCP server (npm run mcp)', () => {
  it('lists its tools with input schemas from the request contract and the parameter table', async () => {
    const { key } = await runtime.newKey();
    const client = await connect({ IMGPRO_BASE_URL: runtime.url, IMGPRO_API_KEY: key });
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(Object.keys(byName).sort()).toEqual(
      [
        'build_link',
        'delete_media',
        'get_media',
        'get_usage',
        'import_url',
        'list_media',
        'update_media',
        'upload_file',
      ].sort(),
    );
    const properties = (name: string) => Object.keys(byName[name]?.inputSchema.properties ?? {});
    expect(properties('import_url')).toEqual(expect.arrayContaining(Object.keys(ImportKnownFields.shape)));
    expect(byName.import_url?.inputSchema.required).toEqual(['url']);
    expect(properties('upload_file')).toEqual(
      expect.arrayContaining(Object.keys(ImportKnownFields.shape).filter((name) => name !== 'url')),
    );
    expect(properties('update_media')).toEqual(
      expect.arrayContaining(['id', 'caption', 'public', 'keep_metadata', 'ttl', 'metadata']),
    );
    expect(Object.keys(PatchKnownFields.shape)).toEqual(expect.arrayContaining(['caption', 'ttl']));
    expect(properties('build_link').sort()).toEqual(['id', ...Object.keys(PARAMETERS)].sort());
  });

  it('uploads, imports, lists, gets, updates, links and deletes media, and reads usage', async () => {
    const { key } = await runtime.newKey();
    const client = await connect({ IMGPRO_BASE_URL: runtime.url, IMGPRO_API_KEY: key });
    const path = join(workDir, 'photo.png');
    await writeFile(path, await png(40, 30));

    const uploaded = await call(client, 'upload_file', {
      path,
      caption: 'from an agent',
      ttl: '1d',
      public: true,
      metadata: { author: 'Agent' },
    });
    expect(uploaded.isError, JSON.stringify(uploaded.body)).toBe(false);
    expect(uploaded.body).toMatchObject({ caption: 'from an agent', author: 'Agent', width: 40, height: 30 });
    expect(uploaded.body.expires_at - uploaded.body.created_at).toBe(86_400);
    const id: string = uploaded.body.id;

    const imported = await call(client, 'import_url', { url: `${origin.url}/photo.jpg`, external_id: 'x-1' });
    expect(imported.body).toMatchObject({ extension: 'jpeg', external_id: 'x-1' });

    const page = await call(client, 'list_media', { limit: '1' });
    expect(page.body).toMatchObject({ has_more: true, data: [{ id: imported.body.id }] });
    const rest = await call(client, 'list_media', { cursor: page.body.next_cursor });
    expect(rest.body.data.map((media: { id: string }) => media.id)).toEqual([id]);

    expect((await call(client, 'get_media', { id })).body).toMatchObject({ id, caption: 'from an agent' });
    const updated = await call(client, 'update_media', {
      id,
      caption: 'renamed',
      metadata: { author: null },
    });
    expect(updated.body.caption).toBe('renamed');
    expect(updated.body.author).toBeUndefined();

    const linked = await call(client, 'build_link', { id, w: '20', format: 'webp' });
    const link = new URL(linked.body.link);
    expect(link.searchParams.get('w')).toBe('20');
    const image = await fetch(link, { headers: { accept: 'image/*' } });
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(Buffer.from(await image.arrayBuffer())).metadata()).toMatchObject({
      width: 20,
      height: 15,
    });

    const usage = await call(client, 'get_usage');
    expect(usage.body.monthly.uploads).toBe(2);

    expect((await call(client, 'delete_media', { id })).body).toEqual({ deleted: true });
    expect((await call(client, 'list_media')).body.data).toHaveLength(1);
  });

  it("returns the API's own error, message and action", async () => {
    const { key } = await runtime.newKey();
    const client = await connect({ IMGPRO_BASE_URL: runtime.url, IMGPRO_API_KEY: key });
    const missing = await call(client, 'get_media', { id: 'nosuchmedia123' });
    expect(missing.isError).toBe(true);
    expect(missing.body).toMatchObject({ error: 'not_found', message: expect.any(String) });

    const invalid = await call(client, 'update_media', {
      id: 'nosuchmedia123',
      metadata: { 'bad name!': 'x' },
    });
    expect(invalid).toMatchObject({ isError: true, body: { error: 'validation_error' } });

    const anonymous = await connect({ IMGPRO_BASE_URL: runtime.url });
    const refused = await call(anonymous, 'get_usage');
    expect(refused).toMatchObject({ isError: true, body: { error: 'unauthorized' } });
    // Anonymous uploads are allowed, and say how to keep images longer.
    const path = join(workDir, 'anonymous.jpg');
    await writeFile(path, await jpeg(10, 10));
    const stored = await call(anonymous, 'upload_file', { path });
    expect(stored.body.upgrade).toMatchObject({ type: 'register' });
    const limited = await call(anonymous, 'upload_file', { path });
    expect(limited).toMatchObject({
      isError: true,
      body: { error: 'rate_limited', action: { type: 'wait', seconds: expect.any(Number) } },
    });

    // A transform the viewer would ignore is refused before any call, by the parameter table.
    const bad = await anonymous.callTool({
      name: 'build_link',
      arguments: { id: stored.body.id, w: 'wide' },
    });
    expect(bad.isError).toBe(true);
  });
});
