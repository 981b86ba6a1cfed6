// The IAM seam for the services speaking AWS's JSON protocols (Step Functions, EventBridge, KMS): a
// refusal becomes the AwsServiceError the protocol writes as `{ "__type": "AccessDeniedException", … }`.
import { AwsServiceError } from '../aws-json-server.js';
import type { LocalIam } from './authorizer.js';
import type { SignedRequest } from './sigv4.js';

/** Authorises (action, resource) pairs for the signer of a request; throws AWS's error when refused. */
export type JsonProtocolGuard = (
  request: SignedRequest,
  permissions: { action: string; resource: string }[],
) => Promise<void>;

export function jsonProtocolGuard(iam: LocalIam): JsonProtocolGuard {
  return async (request, permissions) => {
    const verdict = await iam.authorizeRequest(request, permissions);
    if (!verdict.allowed) {
      throw new AwsServiceError(verdict.refusal.code, verdict.refusal.message, verdict.refusal.status);
    }
  };
}
