import { z } from 'zod';
import { PARAMETERS, type ParameterName } from '#core/images/parameters';
import { openApiDocument, VIEWER_PARAMETERS } from './openapi.ts';

/**
 * GET /llms.txt: the API told to a language model (the llmstxt.org convention: a title, a summary,
 * then sections of short lines). Written from the OpenAPI document and the viewer's parameter table
 * alone, so a new route, field, status or parameter appears here without anyone editing this file.
 */

const Schema = z
  .object({
    $ref: z.string().optional(),
    description: z.string().optional(),
    properties: z
      .record(
        z.string(),
        z
          .object({
            description: z.string().optional(),
            type: z.union([z.string(), z.array(z.string())]).optional(),
            anyOf: z.array(z.object({ type: z.string().optional() }).loose()).optional(),
          })
          .loose(),
      )
      .optional(),
    required: z.array(z.string()).optional(),
  })
  .loose();

const Content = z.record(z.string(), z.object({ schema: Schema.optional() }).loose());

const Operation = z
  .object({
    operationId: z.string(),
    summary: z.string().optional(),
    description: z.string().optional(),
    security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
    parameters: z
      .array(z.object({ name: z.string(), in: z.string(), description: z.string().optional() }).loose())
      .optional(),
    requestBody: z.object({ content: Content }).loose().optional(),
    responses: z.record(
      z.string(),
      z.object({ description: z.string(), content: Content.optional() }).loose(),
    ),
  })
  .loose();

const Document = z
  .object({
    info: z.object({ title: z.string(), description: z.string().optional() }).loose(),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z
      .object({ schemas: z.record(z.string(), Schema).optional() })
      .loose()
      .optional(),
  })
  .loose();

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** `#/components/schemas/Media` → Media. */
const refName = (schema: z.infer<typeof Schema> | undefined) => schema?.$ref?.split('/').pop();

const authOf = (security: Record<string, string[]>[] | undefined) => {
  if (!security || security.length === 0) return 'no key';
  return security.some((option) => Object.keys(option).length === 0)
    ? 'API key optional (Authorization: Bearer <key>); anonymous otherwise'
    : 'API key required (Authorization: Bearer <key>)';
};

type Property = NonNullable<z.infer<typeof Schema>['properties']>[string];

/** `string`, `integer | string`, … as the schema says (nothing when it does not). */
const typeOf = (property: Property): string => {
  const types = [property.type, ...(property.anyOf ?? []).map((option) => option.type)]
    .flat()
    .filter((type) => type !== undefined);
  return [...new Set(types)].join(' | ');
};

const fieldsOf = (schema: z.infer<typeof Schema> | undefined) =>
  Object.entries(schema?.properties ?? {}).map(([name, property]) => {
    const type = typeOf(property);
    const required = schema?.required?.includes(name) ? ', required' : '';
    return `${name}${type || required ? ` (${type || 'any'}${required})` : ''}${property.description ? `: ${property.description}` : ''}`;
  });

const operationLines = (method: string, path: string, operation: z.infer<typeof Operation>): string[] => {
  const lines = [
    `### ${operation.operationId}: ${method.toUpperCase()} ${path}`,
    '',
    `${operation.summary ?? ''}. ${authOf(operation.security)}.`,
  ];
  if (operation.description) lines.push(operation.description);
  for (const parameter of operation.parameters ?? [])
    lines.push(
      `- ${parameter.in} parameter \`${parameter.name}\`${parameter.description ? `: ${parameter.description}` : ''}`,
    );
  for (const [type, { schema }] of Object.entries(operation.requestBody?.content ?? {})) {
    lines.push(`- body (${type}), fields:`);
    lines.push(...fieldsOf(schema).map((field) => `  - ${field}`));
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    const schemas = Object.values(response.content ?? {}).map(({ schema }) => refName(schema));
    const named = schemas.find((name) => name !== undefined);
    lines.push(`- ${status}${named ? ` (${named})` : ''}: ${response.description}`);
  }
  return [...lines, ''];
};

export const llmsText = (): string => {
  const document = Document.parse(JSON.parse(JSON.stringify(openApiDocument())));
  const schemas = document.components?.schemas ?? {};
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) =>
      operationLines(method, path, Operation.parse(item[method])),
    ),
  );
  const transforms = (Object.keys(PARAMETERS) as ParameterName[]).map(
    (name) => `- \`${name}\`: ${VIEWER_PARAMETERS[name]}`,
  );
  return [
    `# ${document.info.title}`,
    '',
    `> ${document.info.description ?? ''} Upload images (multipart, from a URL, or straight to storage for ` +
      'large files), manage them, and serve them resized and converted from viewer links.',
    '',
    '- Machine-readable contract: /openapi.json (OpenAPI 3.1). Interactive docs: /docs.',
    '- Keys: send `Authorization: Bearer <key>`. Uploads without a key are anonymous and expire.',
    '- Creation calls take an `Idempotency-Key` header: a retry with the same key returns the first answer.',
    '',
    '## Calls',
    '',
    ...operations.flat(),
    '## Errors',
    '',
    'Every error answer is JSON with these fields:',
    ...fieldsOf(schemas.Error).map((field) => `- ${field}`),
    'Act on `action` when present: `upgrade` (a link to a larger plan), `wait` (seconds before retrying).',
    '',
    '## Transforms',
    '',
    'Append these to a viewer link (the `link` of a media object) as query parameters, e.g. ' +
      '`<link>?w=400&format=webp`. A malformed or out-of-range value is ignored, never an error.',
    ...transforms,
    '',
  ].join('\n');
};
