import os from 'node:os';
import sharp, { type FailOnOptions } from 'sharp';

// libvips sizes its thread pool to 1 on these hosts (and on Lambda), so one decode would leave the
// other vCPUs idle. Every images module imports sharp from here, which makes this run exactly once.
sharp.concurrency(os.availableParallelism());

/**
 * How strict decoders are, for ingest and viewing alike (what ingest accepted, the viewer must
 * read). 'error' stops on truncation and hard decode errors, but not on libjpeg/libpng warnings:
 * phones (notably Samsung) write JPEGs that only warn and that every browser shows, so sharp's
 * default 'warning' would refuse real photos.
 */
export const FAIL_ON = 'error' satisfies FailOnOptions;

export { type FailOnOptions, sharp };
