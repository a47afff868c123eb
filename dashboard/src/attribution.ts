import type { Media } from '../../clients/typescript/src/api.ts';
import { ATTRIBUTION_NAME_PATTERN, attributionNameProblem } from '../../lambdas/core/media/fields.ts';

/**
 * A media object's attribution metadata, in the order the API answered it. The API answers it
 * beside the object's own fields at the top level; its own names (and an upload's `upgrade`) are
 * all ones no attribution field may take, so whatever else is a string is attribution.
 */
export const attributionOf = (media: Media): [string, string][] =>
  Object.entries(media).filter(
    (entry): entry is [string, string] =>
      typeof entry[1] === 'string' && attributionNameProblem(entry[0]) === undefined,
  );

/**
 * What a filter asks for: each word must match. `name:value` matches that attribution field's
 * value, where `name` can be a field's name (the API's rule) and the value is no URL's rest
 * (`https://…` is a word); a plain word matches the caption or any attribution value. Case is
 * ignored.
 */
export interface Filter {
  words: string[];
  fields: [string, string][];
  /** Some word was given: matching then needs attribution metadata, which the listing does not carry. */
  active: boolean;
}

export const parseFilter = (text: string): Filter => {
  const words: string[] = [];
  const fields: [string, string][] = [];
  for (const term of text.toLowerCase().split(/\s+/).filter(Boolean)) {
    const colon = term.indexOf(':');
    const [name, value] = [term.slice(0, colon), term.slice(colon + 1)];
    if (colon > 0 && ATTRIBUTION_NAME_PATTERN.test(name) && !value.startsWith('//'))
      fields.push([name, value]);
    else words.push(term);
  }
  return { words, fields, active: words.length + fields.length > 0 };
};

/**
 * Whether media match a filter. `attribution` is undefined while it is not known yet: then only
 * the caption can match a word, and no `name:value` matches.
 */
export const matches = (
  filter: Filter,
  caption: string | null,
  attribution: [string, string][] | undefined,
): boolean => {
  const values = (attribution ?? []).map(([name, value]): [string, string] => [
    name.toLowerCase(),
    value.toLowerCase(),
  ]);
  const text = (caption ?? '').toLowerCase();
  return (
    filter.words.every((word) => text.includes(word) || values.some(([, value]) => value.includes(word))) &&
    filter.fields.every(([name, wanted]) =>
      values.some(([field, value]) => field === name && value.includes(wanted)),
    )
  );
};
