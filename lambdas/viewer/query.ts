import { isParameterName, optionsOf, PARAMETERS } from '#core/images/parameters';
import type { TransformOptions } from '#core/images/transform';
import * as z from '#core/zod-mini';
import { canonicalQueryString } from './canonical.ts';

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
  return { canonical, options: TransformQuery.parse(Object.fromEntries(new URLSearchParams(canonical))) };
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
