import { createAuthenticator } from '#core/api-keys/auth';
import { createApiKeyRepository } from '#core/api-keys/repository';
import { createCleanup } from '#core/cleanup/service';
import { type Clock, systemClock } from '#core/clock';
import { config } from '#core/config';
import { newMediaId } from '#core/ids';
import { createImageFetcher } from '#core/imports/fetch-image';
import { createImportService } from '#core/imports/service';
import { createMediaManagement } from '#core/media/management';
import { createMediaRepository } from '#core/media/repository';
import { createMediaService } from '#core/media/service';
import { createCloudFrontCdn, noCdn } from '#core/platform/cdn';
import { createDocumentClient, createS3Client } from '#core/platform/clients';
import { logger } from '#core/platform/logger';
import { secretSource } from '#core/platform/secrets';
import { createQuotaRepository } from '#core/quotas/repository';
import { createQuotaService } from '#core/quotas/service';
import { createObjectStore } from '#core/store/object-store';
import { createTeamRepository } from '#core/teams/repository';
import { createUploadIntentRepository } from '#core/uploads/intents';
import { createDirectUploads } from '#core/uploads/service';

/**
 * The composition root shared by every entry: clients and services are built once per process
 * (outside the handler, so a warm Lambda reuses connections) from the parsed configuration.
 */
const build = () => {
  const settings = config();
  const db = createDocumentClient(settings);
  const s3 = createS3Client(settings);
  const tableName = settings.tableName;
  const teams = createTeamRepository({ db, tableName });
  const apiKeys = createApiKeyRepository({ db, tableName });
  const objects = createObjectStore({ s3, bucket: settings.bucketName });
  const mediaRepository = createMediaRepository({ db, tableName });
  const quotas = createQuotaService({
    teams,
    quotas: createQuotaRepository({ db, tableName }),
    clock,
    plans: settings.plans,
    anonymousRateLimits: settings.anonymousRateLimits,
    upgrade: {
      url: settings.upgradeUrl,
      secret: secretSource(settings.upgradeLinkSecret, {
        region: settings.region,
        name: 'UPGRADE_LINK_SECRET',
      }),
    },
  });
  const media = createMediaService({
    media: mediaRepository,
    quotas,
    objects,
    clock,
    newId: newMediaId,
    logger,
    publicBaseUrl: settings.publicBaseUrl,
    signupUrl: settings.signupUrl,
  });
  const management = createMediaManagement({
    media: mediaRepository,
    clock,
    publicBaseUrl: settings.publicBaseUrl,
    deletedRetentionSeconds: settings.deletedRetentionSeconds,
  });
  const imports = createImportService({
    fetchImage: createImageFetcher({ ...settings.imports, maxRedirects: 5 }),
    media,
  });
  const cleanup = createCleanup({
    media: mediaRepository,
    objects,
    cdn: settings.distributionId ? createCloudFrontCdn({ distributionId: settings.distributionId }) : noCdn,
    clock,
    logger,
  });
  const directUploads = createDirectUploads({
    intents: createUploadIntentRepository({ db, tableName }),
    objects,
    media,
    quotas,
    clock,
    newId: newMediaId,
  });
  return {
    auth: createAuthenticator(apiKeys),
    media,
    management,
    quotas,
    imports,
    directUploads,
    cleanup,
    objects,
    teams,
    apiKeys,
  };
};

let built: ReturnType<typeof build> | undefined;
let clock: Clock = systemClock;

/**
 * Runs the services on another clock — the local runtime's tests travel in time with it. Only
 * before the services are first used, so no request ever sees the time change under it.
 */
export const useClock = (replacement: Clock): void => {
  if (built) throw new Error('useClock must be called before the services are first used');
  clock = replacement;
};

export const services = (): ReturnType<typeof build> => {
  built ??= build();
  return built;
};
