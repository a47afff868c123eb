import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { cleanupJob } from '#core/compose/cleanup';
import { platform } from '#core/compose/platform';
import { logger } from '#core/platform/logger';

const metrics = new Metrics({ namespace: 'imgpro', serviceName: 'cleanup' });

/**
 * The scheduled media lifecycle job (EventBridge on AWS, an interval in the local runtime). A run
 * with failed steps ends in an error, so it shows in the function's error metric and alarm; the
 * failed items are tried again by the next run.
 */
export const handler = async () => {
  const report = await cleanupJob().run({ limit: platform().settings.cleanupBatchSize });
  for (const [name, value] of Object.entries(report))
    metrics.addMetric(`cleanup_${name}`, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
  // A run that found nothing to do is the usual case: it says nothing (the metrics still count it).
  if (Object.values(report).some((count) => count > 0)) logger.info('cleanup run', { ...report });
  if (report.failed > 0) throw new Error(`${report.failed} cleanup steps failed; the next run retries them`);
  return report;
};
