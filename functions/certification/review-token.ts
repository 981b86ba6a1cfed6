// How the workflow's WaitForMark and WaitForModerator steps hand a review its task token: one conditional
// DynamoDB update, written into the state machine by lib/constructs/certification.ts and used as such by
// the tests that play the state machine's part. Only an open review gets a token: a review closed
// meanwhile fails the write (ConditionalCheckFailed), and the reassignment step takes over.
export const REVIEW_TOKEN_WRITE = {
  UpdateExpression: 'SET taskToken = :token',
  ConditionExpression: '#status = :open',
  ExpressionAttributeNames: { '#status': 'status' },
} as const;
