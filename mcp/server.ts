import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { openApiDocument, VIEWER_PARAMETERS } from '#core/http/openapi';
import {
  AttributionValue,
  ImportKnownFields,
  ListMediaQuery,
  MediaIds,
  PatchKnownFields,
} from '#core/http/requests';
import { PARAMETERS, type ParameterName } from '#core/images/parameters';
import * as z from '#core/zod-mini';
import { Api, type HttpResponse } from '../clients/typescript/dist/api.js';

/**
 * The API as tools for an agent (Model Context Protocol), through the generated client. Each tool's
 * input schema is the zod schema the API parses that request with (requests.ts), and the viewer's
 * parameter table for links; a refusal comes back as the API's own error body (`error`, `message`,
 * `action`, field `errors`), marked as an error, for the agent to act on.
 */

export interface McpOptions {
  /** Where the API answers, e.g. https://api.example.com or http://localhost:3000. */
  baseUrl: string;
  /** A key (`Authorization: Bearer`); without one, uploads are anonymous and the rest is refused. */
  apiKey?: string | undefined;
}

/** Files larger than this go straight to storage (POST /v1/uploads), as the API asks. */
const DIRECT_UPLOAD_FROM_BYTES = 4 * 1024 ** 2;

const result = (value: unknown, isError = false): CallToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
  ...(isError && { isError: true }),
});

/** The body of a success, or the API's error body as an error result. */
const answer = <Data, Failure>(response: HttpResponse<Data, Failure>): CallToolResult =>
  response.ok
    ? result(response.status === 204 ? { deleted: true } : response.data)
    : result(response.error, true);

/** A schema with a description, for the tool's JSON Schema (zod/mini keeps it in the registry). */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  z.globalRegistry.add(schema, { description });
  return schema;
};

/** Attribution metadata: any names not listed, set as top-level fields (the API's own rules check them). */
const metadata = described(
  z.optional(z.record(z.string(), AttributionValue)),
  'Attribution metadata, e.g. {"author": "Jane"}: stored and returned as top-level fields',
);

/** The upload fields as the JSON routes take them (import and direct uploads). */
const uploadFields = z.omit(ImportKnownFields, { url: true }).shape;

/** A multipart form's text: the parsed JSON fields written the way a form carries them. */
const formText = (value: string | number | boolean | undefined) =>
  value === undefined ? undefined : String(value);

const mediaId = described(z.clone(MediaIds.def.element), 'The media id');

const viewerParameters = Object.fromEntries(
  (Object.keys(PARAMETERS) as ParameterName[]).map((name) => [
    name,
    described(
      z.optional(
        z
          .string()
          .check(
            z.refine(
              (value) => PARAMETERS[name].normalise(value) !== undefined,
              `Not a value ${name} takes.`,
            ),
          ),
      ),
      VIEWER_PARAMETERS[name],
    ),
  ]),
);

export const createMcpServer = ({ baseUrl, apiKey }: McpOptions): McpServer => {
  const api = new Api<string>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    securityWorker: (key) => (key ? { headers: { authorization: `Bearer ${key}` } } : {}),
  });
  if (apiKey) api.setSecurityData(apiKey);
  const { info } = openApiDocument();
  const server = new McpServer({ name: 'imgpro', version: info.version });

  server.registerTool(
    'upload_file',
    {
      description:
        'Upload a local image file (JPEG, PNG, GIF, WebP, AVIF, HEIC, SVG, BMP, ICO). Returns the media ' +
        'object; its `link` is the public viewer URL. Without an API key the upload is anonymous and expires.',
      inputSchema: {
        path: described(z.string().check(z.minLength(1)), 'Path of the file on this machine'),
        ...uploadFields,
        metadata,
      },
    },
    async ({ path, metadata: attribution, ...fields }) => {
      const bytes = await readFile(path);
      if (bytes.length >= DIRECT_UPLOAD_FROM_BYTES) {
        const started = await api.v1.createDirectUpload({ ...fields, ...attribution, size: bytes.length });
        if (!started.ok) return answer(started);
        const form = new FormData();
        for (const [name, value] of Object.entries(started.data.upload.fields))
          if (value !== undefined) form.append(name, value);
        form.append('file', new Blob([bytes]), basename(path));
        const stored = await fetch(started.data.upload.url, {
          method: started.data.upload.method,
          body: form,
        });
        if (!stored.ok) return result({ error: 'storage_refused', message: await stored.text() }, true);
        return answer(await api.v1.completeDirectUpload({ uploadId: started.data.upload_id }));
      }
      return answer(
        await api.v1.uploadMedia({
          ...attribution,
          file: new File([bytes], basename(path)),
          caption: fields.caption,
          external_id: fields.external_id,
          ttl: formText(fields.ttl),
          public: fields.public === undefined ? undefined : fields.public ? 'true' : 'false',
          keep_metadata:
            fields.keep_metadata === undefined ? undefined : fields.keep_metadata ? 'true' : 'false',
        }),
      );
    },
  );

  server.registerTool(
    'import_url',
    {
      description: 'Store an image fetched from a public URL. Returns the media object, as upload_file does.',
      inputSchema: { ...ImportKnownFields.shape, metadata },
    },
    async ({ metadata: attribution, ...fields }) =>
      answer(await api.v1.importMedia({ ...attribution, ...fields })),
  );

  server.registerTool(
    'list_media',
    {
      description:
        "List the team's media, newest first. Pass `next_cursor` from one page as `cursor` for the next; " +
        'or `ids` (comma-separated) for those media only.',
      inputSchema: ListMediaQuery.shape,
    },
    async ({ limit, cursor, ids }) =>
      answer(await api.v1.listMedia({ limit: String(limit), cursor, ids: ids?.join(',') })),
  );

  server.registerTool(
    'get_media',
    { description: 'One media object, by id.', inputSchema: { id: mediaId } },
    async ({ id }) => answer(await api.v1.getMedia({ id })),
  );

  server.registerTool(
    'update_media',
    {
      description:
        'Change caption, public, keep_metadata, ttl or attribution metadata (a null value removes a metadata field).',
      inputSchema: {
        id: mediaId,
        ...z.pick(PatchKnownFields, { caption: true, public: true, keep_metadata: true, ttl: true }).shape,
        metadata: described(
          z.optional(z.record(z.string(), z.nullable(AttributionValue))),
          'Attribution metadata to set, or null to remove a field',
        ),
      },
    },
    async ({ id, metadata: attribution, ...changes }) =>
      answer(await api.v1.updateMedia({ id }, { ...attribution, ...changes })),
  );

  server.registerTool(
    'delete_media',
    {
      description: 'Delete one media object for good; its links stop working.',
      inputSchema: { id: mediaId },
    },
    async ({ id }) => answer(await api.v1.deleteMedia({ id })),
  );

  server.registerTool(
    'get_usage',
    { description: "The team's uploads this month and storage used, against its plan's limits." },
    async () => answer(await api.v1.getUsage()),
  );

  server.registerTool(
    'build_link',
    {
      description:
        'A viewer URL for a media object, transformed as asked (resized, converted, adjusted). The URL ' +
        'serves the image to any client; nothing is stored.',
      inputSchema: { id: mediaId, ...viewerParameters },
    },
    async ({ id, ...asked }) => {
      const media = await api.v1.getMedia({ id });
      if (!media.ok) return answer(media);
      const link = new URL(media.data.link);
      for (const [name, value] of Object.entries(asked))
        if (typeof value === 'string') link.searchParams.set(name, value);
      return result({ link: link.toString() });
    },
  );

  return server;
};
