import type { Caller } from '#core/caller';
import { unixSeconds } from '#core/clock';
import type { UpgradeAction } from '#core/errors';
import type { ImageFacts } from '#core/images/facts';
import { formatOfContentType } from '#core/images/formats';
import { type NAMED_SIZES, namedSizeOf } from '#core/images/geometry';
import type { Media } from '#core/media/media';
import { ANONYMOUS_PLAN } from '#core/plans';
import type { TeamQuota } from '#core/quotas/state';
import type {
  BatchDeleteBody,
  BatchUpdateBody,
  DirectUploadBody,
  ListBody,
  MediaBody,
  MediaSummary,
  UploadBody,
  UsageBody,
  ViewerFactsBody,
} from './contract.ts';

/** How long anonymous uploads live, as the upgrade message tells them. */
const ANONYMOUS_DAYS = Math.round((ANONYMOUS_PLAN.retentionSeconds ?? 0) / 86_400);

/**
 * The answers' bodies, built from domain values and typed by the contract: the only place the
 * wire's field names are written. `publicBaseUrl` starts every link; `signupUrl` is where an
 * anonymous uploader is sent to get a key.
 */
export const createBodies = (links: { publicBaseUrl: string; signupUrl: string }) => {
  const linkOf = (media: Media) => `${links.publicBaseUrl}/${media.id}`;

  /** Each named size's viewer link (`?size=small`: the canonical query itself) and what it gives. */
  const sizesOf = (media: Media): MediaSummary['sizes'] => {
    const variant = (size: keyof typeof NAMED_SIZES) => ({
      url: `${linkOf(media)}?size=${size}`,
      ...namedSizeOf(media, size),
    });
    return { small: variant('small'), medium: variant('medium'), large: variant('large') };
  };

  const summary = (media: Media): MediaSummary => ({
    id: media.id,
    link: linkOf(media),
    caption: media.caption ?? null,
    extension: media.extension,
    width: media.width,
    height: media.height,
    sizes: sizesOf(media),
    filesize: media.filesize,
    ...(media.facts && factsBody(media.facts)),
    created_at: unixSeconds(media.createdAtMs),
    ...(media.expiresAt !== undefined && { expires_at: media.expiresAt }),
    public: media.public,
    ...(media.externalId !== undefined && { external_id: media.externalId }),
    ...(media.keepMetadata && { keep_metadata: true as const }),
  });

  /**
   * Attribution metadata at the top level. Written first so a server field can never be shadowed,
   * even by a reserved name in stored data.
   */
  const media = (record: Media): MediaBody => ({ ...record.attribution, ...summary(record) });

  return {
    media,

    upload: (caller: Caller, record: Media): UploadBody => ({
      ...media(record),
      ...(caller.kind === 'anonymous' && {
        upgrade: {
          type: 'register' as const,
          url: links.signupUrl,
          message: `Anonymous uploads are deleted after ${ANONYMOUS_DAYS} days. Use an API key to keep images permanently.`,
          label: 'Get an API key',
        },
      }),
    }),

    list: (page: { items: Media[]; cursor: string | undefined }): ListBody => ({
      data: page.items.map(summary),
      next_cursor: page.cursor ?? null,
      has_more: page.cursor !== undefined,
    }),

    updated: (result: { media: Media[]; notFound: string[] }): BatchUpdateBody => ({
      updated: result.media.length,
      media: result.media.map(media),
      not_found: result.notFound,
    }),

    deleted: (result: { deleted: number; notFound: string[] }): BatchDeleteBody => ({
      deleted: result.deleted,
      not_found: result.notFound,
    }),

    directUpload: (started: {
      uploadId: string;
      post: { url: string; fields: Record<string, string> };
      expiresAt: number;
    }): DirectUploadBody => ({
      upload_id: started.uploadId,
      upload: { url: started.post.url, method: 'POST', fields: started.post.fields },
      expires_at: started.expiresAt,
    }),
  };
};
export type Bodies = ReturnType<typeof createBodies>;

/** A viewer link's `format=json`: the original and the variant the rest of its query serves. */
export const viewerFactsBody = (
  media: Media,
  variant: { contentType: string; width: number; height: number; bytes: number },
): ViewerFactsBody => ({
  id: media.id,
  original: {
    format: media.extension,
    content_type: media.contentType,
    width: media.width,
    height: media.height,
    bytes: media.filesize,
    ...(media.facts && factsBody(media.facts)),
  },
  variant: {
    format: formatOfContentType(variant.contentType) ?? variant.contentType,
    content_type: variant.contentType,
    width: variant.width,
    height: variant.height,
    bytes: variant.bytes,
  },
});

const factsBody = (
  facts: ImageFacts,
): Pick<MediaSummary, 'placeholder' | 'has_alpha' | 'animated' | 'frames' | 'color_space'> => ({
  ...(facts.placeholder && {
    placeholder: {
      thumbhash: facts.placeholder.thumbhash,
      blurhash: facts.placeholder.blurhash,
      dominant_color: facts.placeholder.dominantColor,
      average_color: facts.placeholder.averageColor,
    },
  }),
  has_alpha: facts.hasAlpha,
  animated: facts.frames > 1,
  frames: facts.frames,
  color_space: facts.colorSpace,
});

/**
 * GET /v1/usage (with the upgrade action once a limit is reached), and the `usage` of a
 * quota_exceeded refusal (whose action stands beside it).
 */
export const usageBody = (quota: TeamQuota, upgrade?: UpgradeAction): UsageBody => ({
  monthly: {
    uploads: quota.monthly.uploads,
    uploads_limit: quota.monthly.limit,
    uploads_remaining: quota.monthly.remaining,
    resets_at: quota.monthly.resetsAt,
  },
  totals: {
    media_stored: quota.mediaStored,
    storage_used_bytes: quota.storage.used,
    storage_limit_bytes: quota.storage.limit,
    storage_remaining_bytes: quota.storage.remaining,
  },
  plan: quota.plan,
  ...(upgrade && { action: upgrade }),
});
