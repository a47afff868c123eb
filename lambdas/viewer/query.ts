import { isParameterName, optionsOf, PARAMETERS } from '#core/images/parameters';
import type { TransformOptions } from '#core/images/transform';
import * as z from '#core/zod-mini';
import { canonicalQueryString, imageClass } from './canonical.ts';

/**
 * The canonical query (canonicalQueryString's output) typed for `transform`, from the same table.
 * It only ever sees canonical pairs, so it is strict: every key a parameter, every value already in
 * its canonical form. A failure here is a disagreement between the two, a bug, which the property
 * test guards against.
 */
export const TransformQuery = z.pipe(
  z.record(z.string(), z.string()).check(
    z.superRefine((query, ctx) => {
      for (const [name, value] of Object.entries(query)) {
        if (!isParameterName(name))
          ctx.addIssue({ code: 'custom', path: [name], message: 'not a parameter' });
        else if (PARAMETERS[name].normalise(value) !== value)
          ctx.addIssue({ code: 'custom', path: [name], message: 'not in canonical form' });
      }
    }),
  ),
  z.transform(optionsOf),
);

export interface ViewerQuery {
  /** The cache key's query part; '' when nothing counts. */
  canonical: string;
  options: TransformOptions;
  /**
   * What names the bytes (ETag, variant budget): the canonical query, plus for `format=auto` the
   * image class it was served for, as the cache key has it.
   */
  variant: string;
  /**
   * `format=json`: facts about the variant the rest of the query names (its own format as stored),
   * instead of its bytes. Part of the canonical query, so cached apart; never among the options.
   */
  json: boolean;
}

/**
 * A link's query in canonical and typed form. `extensionFormat` (from `/<id>.<ext>`) acts as a
 * `format` given last, so it wins over one in the query.
 */
export const parseViewerQuery = (rawQuery: string, extensionFormat?: string): ViewerQuery => {
  const pairs: Array<[string, string]> = [...new URLSearchParams(rawQuery)];
  if (extensionFormat !== undefined) pairs.push(['format', extensionFormat]);
  return fromPairs(pairs);
};

const fromPairs = (pairs: Array<[string, string]>): ViewerQuery => {
  const canonical = canonicalQueryString(pairs);
  const values = Object.fromEntries(new URLSearchParams(canonical));
  const json = values.format === 'json';
  if (json) delete values.format;
  return { canonical, options: TransformQuery.parse(values), variant: canonical, json };
};

/** The query a `format=json` request describes: the same one without it. */
export const describedQuery = (query: ViewerQuery): ViewerQuery =>
  fromPairs(
    [...new URLSearchParams(query.canonical)].filter(
      ([name, value]) => name !== 'format' || value !== 'json',
    ),
  );

/**
 * `query` for a client sending `accept`: for `format=auto`, the image class (from the same
 * `imageClass` the edge puts in the cache key) becomes what the transform chooses by and part of the
 * variant; any other query is the same for every client.
 */
export const negotiated = (query: ViewerQuery, accept: string | undefined): ViewerQuery => {
  if (query.options.format !== 'auto') return query;
  const accepts = imageClass(accept);
  return { ...query, options: { ...query.options, accepts }, variant: `${query.canonical}#${accepts}` };
};

/**
 * What is served for `query`: `metadata=keep` only where the media's owner allows it (its
 * `keepMetadata`), else the default policy, copyright, as if `metadata` were not asked for. The
 * edge cannot know the record, so the cache key keeps `metadata=keep`; the bytes, and so the ETag,
 * follow the policy.
 */
export const servedQuery = (query: ViewerQuery, keepAllowed: boolean): ViewerQuery =>
  query.options.metadata === 'keep' && !keepAllowed
    ? fromPairs([...new URLSearchParams(query.canonical)].filter(([name]) => name !== 'metadata'))
    : query;
