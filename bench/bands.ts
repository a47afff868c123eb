/**
 * Fewer bands: `saturation=0` done as a one-band greyscale first (core/images/operations.ts,
 * greyFirst) against the same request through the three-band tone matrix (saturation 0.001: the
 * work saturation=0 did before), in-process on the viewer benchmark's 1920×1080 photo, paired.
 *
 * Part of `npm run bench` (or on its own: npm run bench -- bands).
 */
import { IMAGE_LIMITS } from '#core/images/limits';
import { transform } from '#core/images/transform';
import { parseViewerQuery } from '../lambdas/viewer/query.ts';
import { type Section, times } from './report.ts';
import { measurePaired, pairedRatio, summarise } from './stats.ts';
import { photoLike } from './viewer.ts';

const CASES = [
  'saturation=0&blur=10',
  'saturation=0',
  'w=800&saturation=0&blur=10',
  'w=800&saturation=0',
  'saturation=0&sharp=1',
  'saturation=0&blur=2&sharp=1',
  'saturation=0&blur=10&format=webp',
];

export const benchBands = async (count = 20): Promise<Section> => {
  const photo = await photoLike(1920, 1080);
  const rows: (string | number)[][] = [];
  for (const query of CASES) {
    const { options } = parseViewerQuery(query);
    const oneBand = () => transform(photo, options, IMAGE_LIMITS);
    const threeBands = () => transform(photo, { ...options, saturation: 0.001 }, IMAGE_LIMITS);
    const paired = await measurePaired(oneBand, threeBands, count, 3);
    const [one, three] = [summarise(paired[0]), summarise(paired[1])];
    rows.push([
      query,
      one.p50.toFixed(1),
      three.p50.toFixed(1),
      times(pairedRatio(paired)),
      ((await oneBand()).body.length / 1024).toFixed(0),
      ((await threeBands()).body.length / 1024).toFixed(0),
    ]);
  }
  return {
    title: 'Pipeline: saturation=0 on one band',
    header: [
      'query',
      'one band p50 ms',
      'three bands p50 ms',
      'one / three (median of pairs)',
      'one band KiB',
      'three bands KiB',
    ],
    rows,
    notes: [
      `transform() in-process on the viewer benchmark’s 1920×1080 photo-like JPEG, ${count} pairs per row after 3 warm-ups, order flipping every pair.`,
      'One band: with a blur, saturation=0 takes the luma right after the geometry and cuts the pipeline there, so the blur runs on one band; always, the file is written as one band (a grey JPEG). Three bands: the same request at saturation=0.001, which goes through the tone matrix after the blur into three bands, as saturation=0 did before TRANSFORM_VERSION 2.',
      'The grey is the same Rec. 709 luma: exact without a blur, within a level with one (test/unit/transform-grey.test.ts). libvips’ own greyscale (before the resize, no cut) was tried and left: it greys by luminance, and took 1.5× the time at w=800.',
    ],
  };
};
