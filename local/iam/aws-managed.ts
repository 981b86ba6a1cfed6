// AWS managed policies a template may attach by ARN. Their documents live in AWS, not in the template;
// the local cloud knows the few our stacks use, copied from the IAM console (policy version noted).
// A managed policy not listed here grants nothing locally and is reported as unknown, so a role that
// depends on one fails here first rather than silently getting more than AWS would give it.
import type { PolicyDocument } from './policy.js';

export const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  // service-role/AWSLambdaBasicExecutionRole, version v1.
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
};
