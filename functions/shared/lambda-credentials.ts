// Stands in for @aws-sdk/credential-provider-node inside Lambda bundles (SkillcertFunction aliases it
// here at bundle time). Lambda hands every function its role's credentials in the environment, and the
// SDK's default chain would find them there first as well, but it bundles SSO, STS, INI, process and
// IMDS providers (with their own nested SDK clients) to get there: about 135 KB per function. The local
// cloud sets the same variables. Unit tests, which are not bundled, keep the real chain.

export interface EnvironmentCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Same shape as the SDK's `defaultProvider(init)`: returns the credential provider a client calls. */
export function defaultProvider(_init?: unknown): () => Promise<EnvironmentCredentials> {
  return async () => {
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION } =
      process.env;
    if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
      throw new Error(
        'No AWS credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)',
      );
    }
    return {
      accessKeyId: AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_SECRET_ACCESS_KEY,
      ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
      ...(AWS_CREDENTIAL_EXPIRATION ? { expiration: new Date(AWS_CREDENTIAL_EXPIRATION) } : {}),
    };
  };
}
