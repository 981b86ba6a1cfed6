// The IAM seam for the services speaking AWS's JSON protocols (Step Functions, EventBridge, KMS): a
// refusal becomes the AwsServiceError the protocol writes as `{ "__type": "AccessDeniedException", … }`.
import { AwsServiceError } from '../aws-json-server.js';
import type { LocalIam } from './authorizer.js';

/** Authorises (action, resource) pairs for the holder of `accessKeyId`; throws AWS's error when refused. */
export type JsonProtocolGuard = (
  accessKeyId: string | undefined,
  permissions: { action: string; resource: string }[],
) => void;

export function jsonProtocolGuard(iam: LocalIam): JsonProtocolGuard {
  return (accessKeyId, permissions) => {
    const verdict = iam.authorizeAll(accessKeyId, permissions);
    if (!verdict.allowed) {
      throw new AwsServiceError(verdict.refusal.code, verdict.refusal.message, verdict.refusal.status);
    }
  };
}
