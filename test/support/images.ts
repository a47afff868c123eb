import sharp from 'sharp';

/** Small real images made on the fly, so fixtures cannot drift from what the code decodes. */
export const jpeg = (
  width = 64,
  height = 48,
  options: { exif?: Record<string, Record<string, string>> } = {},
) => {
  const image = sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } },
  }).jpeg();
  return (options.exif ? image.withExif(options.exif) : image).toBuffer();
};

export const png = (width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 0.5 } } })
    .png()
    .toBuffer();

/** Noise compresses badly, so the JPEG reaches roughly the size asked for. */
export const noisyJpeg = async (approxBytes: number) => {
  const side = Math.ceil(Math.sqrt(approxBytes / 1.2));
  const raw = Buffer.alloc(side * side * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2_654_435_761) >>> 24;
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
};
