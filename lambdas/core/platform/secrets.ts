import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A secret read when first needed and then kept for the life of the process. */
export type SecretSource = () => Promise<string>;

/**
 * Locally the secret is configured as a value; on AWS by the ARN of a Secrets Manager secret, so it
 * never appears in the function's configuration. Unconfigured → every use fails loudly.
 */
export const secretSource = (
  secret: { value: string } | { arn: string } | undefined,
  options: { region: string; name: string },
): SecretSource => {
  if (secret === undefined) {
    return () => Promise.reject(new Error(`${options.name} is not configured`));
  }
  if ('value' in secret) return () => Promise.resolve(secret.value);
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= new SecretsManagerClient({ region: options.region })
      .send(new GetSecretValueCommand({ SecretId: secret.arn }))
      .then(({ SecretString }) => {
        if (!SecretString) throw new Error(`${options.name} has no string value`);
        return SecretString;
      })
      .catch((error: unknown) => {
        cached = undefined; // a failed read is retried by the next request
        throw error;
      });
    return cached;
  };
};
