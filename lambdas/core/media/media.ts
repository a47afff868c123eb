import { unixSeconds } from '#core/clock';
import type { ImageFacts } from '#core/images/facts';

/** A stored image as the domain knows it (the repository maps it to and from its item). */
export interface Media {
  id: string;
  /** Undefined for anonymous uploads, which belong to no team. */
  teamId: string | undefined;
  extension: string;
  contentType: string;
  width: number;
  height: number;
  filesize: number;
  /** Placeholder and image facts from ingest; undefined for media stored before they existed, until backfilled. */
  facts: ImageFacts | undefined;
  caption: string | undefined;
  attribution: Record<string, string>;
  public: boolean;
  /**
   * Whether the owner lets `metadata=keep` on a viewer link serve the original's full metadata (GPS,
   * device). False by default: `keep` then serves what `copyright` serves.
   */
  keepMetadata: boolean;
  externalId: string | undefined;
  createdAtMs: number;
  /** Unix seconds; undefined = permanent. */
  expiresAt: number | undefined;
  deletedAt: number | undefined;
  objectKey: string;
  /** Lifecycle of deleted media, driven by the cleanup job: when the original may go, and what is done. */
  purgeAfter?: number | undefined;
  cdnInvalidated?: boolean;
  purgedAt?: number | undefined;
}

/** Deleted and expired media are gone from every read path, whether or not cleanup has run. */
export const isLive = (media: Media, nowMs: number): boolean =>
  media.deletedAt === undefined && (media.expiresAt === undefined || media.expiresAt > unixSeconds(nowMs));

/**
 * Who may see it: its own team always; everyone else, with a key or without, only while it is
 * public (a key never sees less than no key does).
 */
export const isVisibleTo = (media: Media, teamId: string | undefined): boolean =>
  media.public || (teamId !== undefined && media.teamId === teamId);
