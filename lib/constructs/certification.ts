import { Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Choice,
  Condition,
  IntegrationPattern,
  JitterType,
  JsonPath,
  Map as MapState,
  Pass,
  type RetryProps,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { CallAwsService, EventBridgePutEvents, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { REVIEW_TOKEN_WRITE } from '../../functions/certification/review-token.js';
import { type CertificationRegion, regionEnvironment } from '../regions.js';
import type { Api } from './api.js';
import { SkillcertFunction } from './function.js';
import type { Signing } from './signing.js';
import { SkillcertStateMachine } from './state-machine.js';

/** What a Lambda step may meet that passes with time (see functions/shared/workflow-step.ts). */
const TRANSIENT_STEP_ERRORS = [
  'TransientError',
  'SerialContention',
  'States.Timeout',
  'Sandbox.Timedout',
  'Runtime.ExitError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
];
/** The same for the aws-sdk DynamoDB integration (AWS names them after the Java SDK's exceptions). */
const TRANSIENT_DYNAMODB_SDK_ERRORS = [
  'DynamoDb.ProvisionedThroughputExceededException',
  'DynamoDb.ThrottlingException',
  'DynamoDb.RequestLimitExceeded',
  'DynamoDb.RequestLimitExceededException',
  'DynamoDb.InternalServerError',
  'DynamoDb.InternalServerErrorException',
  'DynamoDb.TransactionConflictException',
  'DynamoDb.SdkClientException',
];

export interface CertificationProps {
  region: CertificationRegion;
  table: TableV2;
  signingKey: IKey;
  /** The Data Integrity proofs embedded in certificates: their suite's environment and key grant. */
  proof: Pick<Signing, 'proofEnvironment' | 'grantProof'>;
  /** The keys' generation (docs/keys.md): signers record it and close older generations' windows. */
  signingKeyGeneration: number;
  /** The HMAC key that resident IDs are registered and checked under. */
  identityKey: IKey;
  events: IEventBus;
  api: Api;
  /** How long an assessor has to mark before the work goes to someone else. */
  markingTimeout: Duration;
}

/**
 * Exams, marking and certificates: the candidate, assessor and admin APIs, and the certification
 * workflow (one Standard execution per attempt, named by the attempt id).
 */
export class Certification extends Construct {
  readonly stateMachine: SkillcertStateMachine;
  /** Submits each attempt at deadline + grace when the candidate has not (one execution per attempt). */
  readonly deadlineTimer: SkillcertStateMachine;

  constructor(scope: Construct, id: string, props: CertificationProps) {
    super(scope, id);
    const { region, table, api } = props;
    const environment = {
      TABLE_NAME: table.tableName,
      ...regionEnvironment(region),
    };
    const fn = (fid: string, entry: string, description: string, extra: Record<string, string> = {}) =>
      new SkillcertFunction(this, fid, {
        entry,
        description,
        environment: { ...environment, ...extra },
      }).grantTableWrite(table);

    // ---- workflow steps ----
    const grade = fn(
      'GradeAttemptFunction',
      'grade-attempt',
      'Grades the theory paper and opens two blind reviews',
    );
    const reassign = fn(
      'ReassignReviewFunction',
      'reassign-review',
      'Gives an unmarked or returned review to another assessor',
    );
    const decideFn = fn(
      'DecideResultFunction',
      'decide-result',
      'Decides the result; moderates or issues the signed certificate',
      {
        SIGNING_KEY_ID: props.signingKey.keyId,
        ...props.proof.proofEnvironment(),
        SIGNING_KEY_GENERATION: String(props.signingKeyGeneration),
      },
    ).grantSign(props.signingKey);
    props.proof.grantProof(decideFn);

    const recordErrorFn = fn(
      'RecordErrorFunction',
      'record-error',
      'Records why the workflow stopped (never over a decision); resumes it when redriven',
    );

    // Every step is safe to run again, so every step is retried on what may pass: throttling, conflicts
    // and timeouts in DynamoDB (TransientError), serial-counter contention, Lambda's own service errors and
    // timeouts. Exponential backoff with full jitter, so that colliding executions spread out.
    const backoff = (errors: string[], maxAttempts = 6): RetryProps => ({
      errors,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxDelay: Duration.seconds(30),
      jitterStrategy: JitterType.FULL,
      maxAttempts,
    });
    const lambdaStep = (
      sid: string,
      handler: SkillcertFunction,
      payload: Record<string, unknown>,
      resultPath: string,
    ) =>
      new LambdaInvoke(this, sid, {
        lambdaFunction: handler.function,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath,
        // A hung invocation becomes States.Timeout, retried like the others.
        taskTimeout: Timeout.duration(Duration.seconds(60)),
        retryOnServiceExceptions: false,
      }).addRetry(backoff(TRANSIENT_STEP_ERRORS, 8));

    // The review record holds the task token; the assessor API answers it when the mark is in. The token
    // is written only while the review is open (REVIEW_TOKEN_WRITE, shared with the tests).
    const waitForReviewer = (sid: string, slotPath: string) =>
      new CallAwsService(this, sid, {
        service: 'dynamodb',
        action: 'updateItem',
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        parameters: {
          TableName: table.tableName,
          Key: {
            pk: { S: JsonPath.format('ATTEMPT#{}', JsonPath.stringAt('$.attemptId')) },
            sk: { S: JsonPath.format('REVIEW#{}', JsonPath.stringAt(slotPath)) },
          },
          UpdateExpression: REVIEW_TOKEN_WRITE.UpdateExpression,
          ConditionExpression: REVIEW_TOKEN_WRITE.ConditionExpression,
          ExpressionAttributeNames: REVIEW_TOKEN_WRITE.ExpressionAttributeNames,
          ExpressionAttributeValues: { ':token': { S: JsonPath.taskToken }, ':open': { S: 'open' } },
        },
        iamResources: [table.tableArn],
        taskTimeout: Timeout.duration(props.markingTimeout),
        resultPath: JsonPath.DISCARD,
      }).addRetry(backoff(TRANSIENT_DYNAMODB_SDK_ERRORS));

    // The error path. A step whose retries are spent lands here with its error in $.failure; NoteFailure
    // keeps the redrive count it failed in. RecordError records the error (never over a decision) and
    // fails the execution right there, so an admin's RedriveExecution runs RecordError again: it then
    // lifts the error and the workflow starts over at GradeTheory, whose idempotent steps fast-forward to
    // where it stopped. An attempt already decided is not an error: its decision is published.
    const recordError = new LambdaInvoke(this, 'RecordError', {
      lambdaFunction: recordErrorFn.function,
      payload: TaskInput.fromObject({
        attemptId: JsonPath.stringAt('$.attemptId'),
        failure: JsonPath.objectAt('$.failure'),
        failedAt: JsonPath.objectAt('$.failedAt'),
        redriveCount: JsonPath.numberAt('$$.Execution.RedriveCount'),
      }),
      payloadResponseOnly: true,
      resultPath: '$.decision',
      taskTimeout: Timeout.duration(Duration.seconds(60)),
      retryOnServiceExceptions: false,
    }).addRetry(backoff(TRANSIENT_STEP_ERRORS, 8));
    const noteFailure = (sid: string, step: string) =>
      new Pass(this, sid, {
        parameters: { redriveCount: JsonPath.numberAt('$$.Execution.RedriveCount'), step },
        resultPath: '$.failedAt',
      }).next(recordError);
    const onError = { errors: ['States.ALL'], resultPath: '$.failure' };

    const gradeStep = lambdaStep(
      'GradeTheory',
      grade,
      { attemptId: JsonPath.stringAt('$.attemptId') },
      '$.grading',
    );

    // Wait for a review's mark. When the wait ends otherwise — nobody answered in time, the work was
    // returned, or the review was closed before the wait began — the reassignment step keeps a mark that
    // is in (marked: true ends the wait) or answers the review to wait for next, and we wait again.
    const reviewLoop = (
      waitName: string,
      reassignName: string,
      slotPath: string,
      reassignResultPath: string,
      markedPath: string,
    ) => {
      const wait = waitForReviewer(waitName, slotPath);
      const reassignStep = lambdaStep(
        reassignName,
        reassign,
        {
          attemptId: JsonPath.stringAt('$.attemptId'),
          slot: JsonPath.stringAt(slotPath),
          reason: JsonPath.stringAt('$.late.Error'),
        },
        reassignResultPath,
      );
      wait.addCatch(reassignStep, {
        errors: ['States.Timeout', 'Review.Returned', 'DynamoDb.ConditionalCheckFailedException'],
        resultPath: '$.late',
      });
      const markIn = new Choice(this, `${reassignName}Done`).when(
        Condition.booleanEquals(markedPath, true),
        new Succeed(this, `${reassignName}MarkKept`),
      );
      reassignStep.next(markIn.otherwise(wait));
      return { wait, reassignStep, markIn };
    };

    const { wait: waitForMark } = reviewLoop('WaitForMark', 'ReassignMarker', '$.slot', '$', '$.marked');
    const collectMarks = new MapState(this, 'CollectMarks', {
      itemsPath: '$.grading.reviews',
      maxConcurrency: 2,
      resultPath: JsonPath.DISCARD,
    }).itemProcessor(waitForMark);

    const decideStep = lambdaStep(
      'DecideResult',
      decideFn,
      { attemptId: JsonPath.stringAt('$.attemptId') },
      '$.decision',
    );

    const waitForModerator = waitForReviewer('WaitForModerator', '$.decision.slot');
    const reassignModerator = lambdaStep(
      'ReassignModerator',
      reassign,
      {
        attemptId: JsonPath.stringAt('$.attemptId'),
        slot: JsonPath.stringAt('$.decision.slot'),
        reason: JsonPath.stringAt('$.late.Error'),
      },
      '$.decision',
    );
    waitForModerator.addCatch(reassignModerator, {
      errors: ['States.Timeout', 'Review.Returned', 'DynamoDb.ConditionalCheckFailedException'],
      resultPath: '$.late',
    });
    reassignModerator.next(
      new Choice(this, 'ModeratorMarkIn')
        .when(Condition.booleanEquals('$.decision.marked', true), decideStep)
        .otherwise(waitForModerator),
    );

    // Publishing is at least once: a retry after a lost answer may send an event twice; consumers
    // recognise it by its attemptId.
    const publish = (sid: string, detailType: string) =>
      new EventBridgePutEvents(this, sid, {
        entries: [
          {
            eventBus: props.events,
            source: 'skillcert.certification',
            detailType,
            detail: TaskInput.fromJsonPathAt('$.decision'),
          },
        ],
        resultPath: JsonPath.DISCARD,
      }).addRetry(backoff(['States.ALL']));
    const done = new Succeed(this, 'Done');
    const publishIssued = publish('PublishIssued', 'CertificateIssued');
    const publishFailed = publish('PublishFailed', 'AttemptFailed');
    publishIssued.next(done);
    publishFailed.next(done);
    const outcome = new Choice(this, 'Outcome')
      .when(Condition.stringEquals('$.decision.outcome', 'moderation'), waitForModerator)
      .when(Condition.stringEquals('$.decision.outcome', 'passed'), publishIssued)
      // A failed exam is a normal ending, not a failed execution.
      .otherwise(publishFailed);
    waitForModerator.next(decideStep);
    recordError.next(
      new Choice(this, 'AfterError')
        .when(Condition.stringEquals('$.decision.outcome', 'resume'), gradeStep)
        .otherwise(outcome),
    );

    for (const step of [gradeStep, collectMarks, decideStep, waitForModerator, reassignModerator])
      step.addCatch(noteFailure(`${step.id}Failed`, 'certify'), onError);
    for (const step of [publishIssued, publishFailed])
      step.addCatch(noteFailure(`${step.id}Failed`, 'publish'), onError);

    this.stateMachine = new SkillcertStateMachine(this, 'Workflow', {
      comment:
        'Certification of one attempt: grade, two blind marks, moderation if they diverge, decision, certificate',
      definition: gradeStep.next(collectMarks).next(decideStep).next(outcome),
      timeout: Duration.days(90),
    });

    this.stateMachine.acknowledgeInvokes([
      grade.function,
      reassign.function,
      decideFn.function,
      recordErrorFn.function,
    ]);

    // ---- the deadline timer ----
    // One Standard execution per attempt, started with the attempt: it waits until closesAt (deadline +
    // the exam's grace), then submits the attempt with the acknowledged answers if the candidate has not,
    // and starts the workflow above (once: the execution name is the attempt id). Wait + one Lambda task,
    // so it needs nothing beyond Step Functions and Lambda — no EventBridge Scheduler, which the China
    // regions may not offer (docs/certification.md, "The server submits when time is up").
    const submitAtDeadline = fn(
      'SubmitAtDeadlineFunction',
      'submit-at-deadline',
      'At deadline + grace, submits an attempt the candidate did not, and starts its certification',
      { STATE_MACHINE_ARN: this.stateMachine.stateMachine.stateMachineArn },
    );
    this.stateMachine.stateMachine.grantStartExecution(submitAtDeadline.function);
    const untilClose = new Wait(this, 'UntilAttemptCloses', { time: WaitTime.timestampPath('$.closesAt') });
    const submitStep = new LambdaInvoke(this, 'SubmitAtDeadline', {
      lambdaFunction: submitAtDeadline.function,
      payload: TaskInput.fromObject({ attemptId: JsonPath.stringAt('$.attemptId') }),
      payloadResponseOnly: true,
      resultPath: '$.deadline',
      taskTimeout: Timeout.duration(Duration.seconds(60)),
      retryOnServiceExceptions: false,
    })
      .addRetry(backoff(TRANSIENT_STEP_ERRORS, 8))
      // The Lambda's clock a moment behind the timer's: try again shortly.
      .addRetry({
        errors: ['DeadlineNotReached'],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 5,
      });
    this.deadlineTimer = new SkillcertStateMachine(this, 'DeadlineTimer', {
      comment: 'Submits an attempt at its deadline plus grace if the candidate has not, then certifies it',
      definition: untilClose.next(submitStep).next(new Succeed(this, 'Closed')),
      // Waits at most the longest time limit plus grace; a week leaves room.
      timeout: Duration.days(7),
    });
    this.deadlineTimer.acknowledgeInvokes([submitAtDeadline.function]);

    // ---- APIs ----
    const candidateApi = fn(
      'CandidateApi',
      'candidate-api',
      'Candidate routes: sessions, attempts, answers, submit, certificates',
      {
        STATE_MACHINE_ARN: this.stateMachine.stateMachine.stateMachineArn,
        DEADLINE_STATE_MACHINE_ARN: this.deadlineTimer.stateMachine.stateMachineArn,
      },
    );
    this.stateMachine.stateMachine.grantStartExecution(candidateApi.function);
    this.deadlineTimer.stateMachine.grantStartExecution(candidateApi.function);
    const assessorApi = fn('AssessorApi', 'assessor-api', 'Assessor routes: queue, review, marks, return');
    // Success and failure only: CDK's grantTaskResponse adds SendTaskHeartbeat, which the assessor API
    // never sends (the local cloud's IAM report listed it unused).
    this.stateMachine.stateMachine.grant(
      assessorApi.function,
      'states:SendTaskSuccess',
      'states:SendTaskFailure',
    );
    const adminApi = fn('AdminApi', 'admin-api', 'Admin routes: occupations, exams, sessions, attempts', {
      STATE_MACHINE_ARN: this.stateMachine.stateMachine.stateMachineArn,
    });
    // Registering people is the one admin task that uses the identity key: its own function.
    const peopleAdminApi = fn('PeopleAdminApi', 'people-admin-api', 'Admin routes: people and their IDs', {
      IDENTITY_KEY_ID: props.identityKey.keyId,
    }).grantMac(props.identityKey);
    // To see an attempt's workflow and resume it when it stopped on an error.
    this.stateMachine.grantExecutionActions(adminApi, 'states:DescribeExecution', 'states:RedriveExecution');
    // Public and throttled: yes or no to "is this certificate this ID card's holder's?"
    const holderCheck = new SkillcertFunction(this, 'HolderCheck', {
      entry: 'holder-check',
      description: 'Answers whether a certificate belongs to the holder of a given resident ID',
      memorySize: 256,
      environment: { ...environment, IDENTITY_KEY_ID: props.identityKey.keyId },
    })
      .grantTableRead(table)
      .grantMac(props.identityKey);
    api.addRoute(HttpMethod.POST, '/holder-checks', holderCheck.function, { kind: 'public' });
    api.throttleRoute('POST /holder-checks', { burst: 10, rate: 5 });

    const user = { kind: 'user' } as const;
    const routes: [HttpMethod, string, SkillcertFunction][] = [
      [HttpMethod.GET, '/sessions', candidateApi],
      [HttpMethod.POST, '/sessions/{sessionId}/attempts', candidateApi],
      [HttpMethod.GET, '/attempts/{attemptId}', candidateApi],
      [HttpMethod.PUT, '/attempts/{attemptId}/answers', candidateApi],
      [HttpMethod.PUT, '/attempts/{attemptId}/items/{itemId}', candidateApi],
      [HttpMethod.PUT, '/attempts/{attemptId}/evidence', candidateApi],
      [HttpMethod.POST, '/attempts/{attemptId}/submit', candidateApi],
      [HttpMethod.GET, '/me/attempts', candidateApi],
      [HttpMethod.GET, '/me/certificates', candidateApi],
      [HttpMethod.GET, '/assessor/reviews', assessorApi],
      [HttpMethod.GET, '/assessor/reviews/{attemptId}/{slot}', assessorApi],
      [HttpMethod.POST, '/assessor/reviews/{attemptId}/{slot}/marks', assessorApi],
      [HttpMethod.POST, '/assessor/reviews/{attemptId}/{slot}/return', assessorApi],
      [HttpMethod.PUT, '/admin/occupations/{code}', adminApi],
      [HttpMethod.PUT, '/admin/exams/{examId}', adminApi],
      [HttpMethod.GET, '/admin/exams', adminApi],
      [HttpMethod.PUT, '/admin/sessions/{sessionId}', adminApi],
      [HttpMethod.GET, '/admin/people', peopleAdminApi],
      [HttpMethod.PUT, '/admin/people/{sub}', peopleAdminApi],
      [HttpMethod.GET, '/admin/people/{sub}', peopleAdminApi],
      [HttpMethod.GET, '/admin/attempts/{attemptId}', adminApi],
      [HttpMethod.POST, '/admin/attempts/{attemptId}/resume', adminApi],
    ];
    for (const [method, path, handler] of routes) api.addRoute(method, path, handler.function, user);
  }
}
