import {
  CloudFrontClient,
  CreateInvalidationCommand,
  TooManyInvalidationsInProgress,
} from '@aws-sdk/client-cloudfront';

/** The CDN in front of viewer links, in domain terms: forget every cached variant of these media. */
export interface Cdn {
  /** The ids whose variants are now being dropped; the others must be tried again later. */
  invalidate(mediaIds: readonly string[]): Promise<string[]>;
}

/** Locally nothing caches viewer links. */
export const noCdn: Cdn = { invalidate: async (mediaIds) => [...mediaIds] };

/**
 * CloudFront allows only 15 wildcard paths in progress per distribution, and each media id needs
 * one (`/<id>*` covers every transform and extension), so a run invalidates at most that many and
 * leaves the rest queued for the next run.
 */
export const MAX_WILDCARD_INVALIDATIONS = 15;

export const createCloudFrontCdn = ({
  distributionId,
  client = new CloudFrontClient({}),
}: {
  distributionId: string;
  client?: CloudFrontClient;
}): Cdn => ({
  async invalidate(mediaIds) {
    const batch = mediaIds.slice(0, MAX_WILDCARD_INVALIDATIONS);
    if (batch.length === 0) return [];
    try {
      await client.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: {
            CallerReference: `cleanup-${Date.now()}-${batch[0]}`,
            Paths: { Quantity: batch.length, Items: batch.map((id) => `/${id}*`) },
          },
        }),
      );
      return batch;
    } catch (error) {
      if (error instanceof TooManyInvalidationsInProgress) return [];
      throw error;
    }
  },
});
