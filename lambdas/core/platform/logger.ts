import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs (level from POWERTOOLS_LOG_LEVEL). Never log events, keys or image bytes. */
export const logger = new Logger({ serviceName: 'imgpro' });
