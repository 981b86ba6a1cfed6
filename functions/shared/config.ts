import { z } from 'zod';

/** Thrown at cold start when the function's environment is incomplete: a deployment error, never a user's. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * Reads and validates environment variables once, at module load, so a misconfigured function fails
 * its first invocation loudly with the variable's name instead of misbehaving later.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`Invalid function configuration: ${problems}`);
  }
  return result.data;
}
