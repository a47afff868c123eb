/**
 * CORS of the API, which API Gateway applies on AWS (preflights answered, headers added to every
 * answer) and the local gateway applies the same way. The allowed origins are a deployment setting
 * (`corsAllowOrigins`, `*` by default).
 */
export const API_CORS = {
  allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
  allowHeaders: ['authorization', 'content-type'],
  // Quota and rate-limit headers are part of the contract; browsers may read them all.
  exposeHeaders: ['*'],
  maxAgeSeconds: 86_400,
} as const;
