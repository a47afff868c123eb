import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { mediaReader } from '#core/compose/media';
import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { originals, s3Client } from '#core/compose/storage';
import type { Deadline } from '#core/deadline';
import { type HttpEvent, header } from '#core/http/event';
import { IMAGE_LIMITS } from '#core/images/limits';
import { segmenterFromConfig } from '#core/images/segment/configured';
import { secretSource } from '#core/platform/secrets';
import { createObjectStore, objectSource } from '#core/store/object-store';
import { withReadCache } from '#core/store/read-cache';
import { createVariantBudget } from '#core/variants/budget';
import { createVariantAdmissions } from '#core/variants/repository';
import { createVariantStore } from '#core/variants/store';
import { createSitePages } from './site-pages.ts';
import { createViewer, type Viewer, type ViewerRequest } from './viewer.ts';

/**
 * Originals kept in memory per process: an eighth of the viewer function's 2 GiB. The rest covers
 * one transform at its worst (a 50 MP decode peaks under 1 GiB, measured with scripts/bench-segment.ts), libvips's
 * own cache (50 MB), a segmentation model when one is configured (U²-Netp is 4.7 MB, IS-Net 176 MB)
 * and the response's copies.
 */
const ORIGINAL_CACHE_BYTES = 256 * 1024 ** 2;

const metrics = new Metrics({ namespace: 'imgpro', serviceName: 'viewer' });

/**
 * The composition root both viewer entries share: built on first use, once per process, from the
 * same roots the API uses (a warm Lambda reuses its clients). Only the viewer loads sharp's
 * transform modules.
 */
export const viewer = once((): Viewer => {
  const { clock, logger, settings, table } = platform();
  const model = settings.segmentModel;
  return createViewer({
    segmenter: segmenterFromConfig({
      model: model.path
        ? { path: model.path }
        : model.s3 && objectSource(createObjectStore({ s3: s3Client(), bucket: model.s3.bucket }), model.s3),
      profile: model.profile,
      sha256: model.sha256,
    }),
    media: mediaReader(),
    objects: withReadCache(originals(), { maxBytes: ORIGINAL_CACHE_BYTES }),
    variants: createVariantBudget({
      admissions: createVariantAdmissions(table),
      budget: settings.viewerVariantBudget,
      clock,
      onRefused: () => count('variant_budget_refused'),
    }),
    store: createVariantStore(originals()),
    onRenderRejected: () => count('render_rejected'),
    clock,
    logger,
    publicBaseUrl: settings.publicBaseUrl,
    // What ingest accepted, the viewer opens.
    limits: IMAGE_LIMITS,
    siteName: settings.siteName,
    site: createSitePages({
      clock,
      siteName: settings.siteName,
      upgradeSecret: secretSource(settings.upgradeLinkSecret, {
        region: settings.region,
        name: 'UPGRADE_LINK_SECRET',
      }),
      billingUrl: settings.billingUrl,
      operatorContact: settings.operatorContact,
      registrationUrl: settings.registration.open
        ? `${settings.apiBaseUrl ?? settings.publicBaseUrl ?? ''}/v1/keys`
        : undefined,
    }),
  });
});

/**
 * One EMF line per refusal, `imgpro/<name>` (service=viewer), for the dashboard and alarms: the
 * viewer's refusals are rare, so each is published at once rather than batched per invocation.
 */
const count = (name: 'variant_budget_refused' | 'render_rejected'): void => {
  metrics.addMetric(name, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
};

/** A function URL / API Gateway v2 event as the viewer reads it. */
export const viewerRequest = (event: HttpEvent, context: Context, deadline: Deadline): ViewerRequest => ({
  method: event.requestContext.http.method.toUpperCase(),
  path: event.rawPath,
  query: event.rawQueryString ?? '',
  accept: header(event, 'accept'),
  ifNoneMatch: header(event, 'if-none-match'),
  requestId: event.requestContext.requestId ?? context.awsRequestId,
  host: header(event, 'x-forwarded-host') ?? header(event, 'host'),
  deadline,
});
