import type { output, ZodMiniObject } from 'zod/mini';

/** Thrown at cold start when the function's environment is incomplete: a deployment error, never a user's. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * Reads and validates environment variables once, at module load, so a misconfigured function fails
 * its first invocation loudly with the variable's name instead of misbehaving later. Schemas use
 * zod/mini with named imports: the same validation as zod at a few KB of bundle instead of 400 KB.
 */
export function loadConfig<S extends ZodMiniObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return env[name] === undefined
        ? `environment variable ${name} is not set`
        : `environment variable ${name} is invalid (${issue.message})`;
    });
    throw new ConfigurationError(`Invalid function configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
