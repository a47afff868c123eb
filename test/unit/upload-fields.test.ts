import { describe, expect, it } from 'vitest';
import { UploadForm } from '#core/http/requests';

const issuesOf = (input: Record<string, string>) => {
  const result = UploadForm.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
};

describe('UploadForm', () => {
  it('splits known fields from attribution and applies defaults', () => {
    expect(UploadForm.parse({ caption: 'Hi', ttl: '1h', author: 'Jane', license: 'cc-by' })).toEqual({
      caption: 'Hi',
      ttlSeconds: 3_600,
      externalId: undefined,
      public: true,
      keepMetadata: false,
      attribution: { author: 'Jane', license: 'cc-by' },
    });
    expect(UploadForm.parse({ caption: '', public: 'false' })).toMatchObject({
      caption: undefined,
      public: false,
    });
    expect(UploadForm.parse({ keep_metadata: 'true' })).toMatchObject({
      keepMetadata: true,
      attribution: {},
    });
    expect(UploadForm.parse({ keep_metadata: 'false' })).toMatchObject({ keepMetadata: false });
  });

  it('accepts exactly 20 attribution fields and values of exactly 1,000 characters', () => {
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 'v'.repeat(1_000)]));
    expect(Object.keys(UploadForm.parse({ ...fields, caption: 'c'.repeat(2_000) }).attribution)).toHaveLength(
      20,
    );
  });

  it('names every bad field at once', () => {
    expect(issuesOf({ ttl: 'soon', id: 'x', '9lives': 'y', author: 'a'.repeat(1_001) }).sort()).toEqual(
      ['9lives', 'author', 'id', 'ttl'].sort(),
    );
  });

  it.each([
    ['tags'],
    ['namespace'],
    ['nsfw'],
    ['tool'],
    ['defaults'],
    ['description'],
    ['valueOf'],
    ['__proto__'],
  ])('refuses %j as an attribution name', (name) => {
    expect(issuesOf(Object.fromEntries([[name, 'x']]))).toEqual([name]);
  });

  it.each([
    ['public', 'yes'],
    ['keep_metadata', 'yes'],
    ['keep_metadata', ''],
    ['external_id', ''],
    ['external_id', 'has space'],
    ['external_id', 'x'.repeat(256)],
  ])('refuses %s=%j', (name, value) => {
    expect(issuesOf({ [name]: value })).toEqual([name]);
  });
});
