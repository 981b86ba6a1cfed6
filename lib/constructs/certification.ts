import { Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Choice,
  Condition,
  Fail,
  IntegrationPattern,
  JsonPath,
  Map as MapState,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  CallAwsService,
  DynamoAttributeValue,
  DynamoUpdateItem,
  EventBridgePutEvents,
  LambdaInvoke,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { type CertificationRegion, regionEnvironment } from '../regions.js';
import type { Api } from './api.js';
import { SkillcertFunction } from './function.js';
import { SkillcertStateMachine } from './state-machine.js';

export interface CertificationProps {
  region: CertificationRegion;
  table: TableV2;
  signingKey: IKey;
  /** The Ed25519 key of the Data Integrity proofs embedded in certificates. */
  proofKey: IKey;
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
        PROOF_KEY_ID: props.proofKey.keyId,
        SIGNING_KEY_GENERATION: String(props.signingKeyGeneration),
      },
    )
      .grantSign(props.signingKey)
      .grantSign(props.proofKey);

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
      }).addRetry({ errors: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException'], maxAttempts: 3 });

    // The review record holds the task token; the assessor API answers it when the mark is in.
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
          UpdateExpression: 'SET taskToken = :token',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':token': { S: JsonPath.taskToken }, ':open': { S: 'open' } },
        },
        iamResources: [table.tableArn],
        taskTimeout: Timeout.duration(props.markingTimeout),
        resultPath: JsonPath.DISCARD,
      });

    const recordError = new DynamoUpdateItem(this, 'RecordError', {
      table,
      key: {
        pk: DynamoAttributeValue.fromString(JsonPath.format('ATTEMPT#{}', JsonPath.stringAt('$.attemptId'))),
        sk: DynamoAttributeValue.fromString('ATTEMPT'),
      },
      updateExpression: 'SET #status = :error, #error = :detail',
      expressionAttributeNames: { '#status': 'status', '#error': 'error' },
      expressionAttributeValues: {
        ':error': DynamoAttributeValue.fromString('error'),
        ':detail': DynamoAttributeValue.fromMap({
          error: DynamoAttributeValue.fromString(JsonPath.stringAt('$.failure.Error')),
          cause: DynamoAttributeValue.fromString(JsonPath.stringAt('$.failure.Cause')),
        }),
      },
      resultPath: JsonPath.DISCARD,
    }).next(
      new Fail(this, 'CertificationError', { error: 'CertificationError', causePath: '$.failure.Cause' }),
    );
    const onError = { errors: ['States.ALL'], resultPath: '$.failure' };

    const gradeStep = lambdaStep(
      'GradeTheory',
      grade,
      { attemptId: JsonPath.stringAt('$.attemptId') },
      '$.grading',
    );

    // Wait for a review's mark; if nobody answers in time or the work is returned, give it to another
    // assessor (the step answers with the new slot, written to reassignResultPath) and wait again.
    const reviewLoop = (
      waitName: string,
      reassignName: string,
      slotPath: string,
      reassignResultPath: string,
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
      wait.addCatch(reassignStep, { errors: ['States.Timeout', 'Review.Returned'], resultPath: '$.late' });
      reassignStep.next(wait);
      return { wait, reassignStep };
    };

    const { wait: waitForMark } = reviewLoop('WaitForMark', 'ReassignMarker', '$.slot', '$');
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

    const { wait: waitForModerator, reassignStep: reassignModerator } = reviewLoop(
      'WaitForModerator',
      'ReassignModerator',
      '$.decision.slot',
      '$.decision',
    );

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
      });
    const done = new Succeed(this, 'Done');
    const outcome = new Choice(this, 'Outcome')
      .when(Condition.stringEquals('$.decision.outcome', 'moderation'), waitForModerator)
      .when(
        Condition.stringEquals('$.decision.outcome', 'passed'),
        publish('PublishIssued', 'CertificateIssued').next(done),
      )
      // A failed exam is a normal ending, not a failed execution.
      .otherwise(publish('PublishFailed', 'AttemptFailed').next(done));
    waitForModerator.next(decideStep);

    for (const step of [gradeStep, collectMarks, decideStep, waitForModerator, reassignModerator])
      step.addCatch(recordError, onError);

    this.stateMachine = new SkillcertStateMachine(this, 'Workflow', {
      comment:
        'Certification of one attempt: grade, two blind marks, moderation if they diverge, decision, certificate',
      definition: gradeStep.next(collectMarks).next(decideStep).next(outcome),
      timeout: Duration.days(90),
    });

    this.stateMachine.acknowledgeInvokes([grade.function, reassign.function, decideFn.function]);

    // ---- APIs ----
    const candidateApi = fn(
      'CandidateApi',
      'candidate-api',
      'Candidate routes: sessions, attempts, answers, submit, certificates',
      {
        STATE_MACHINE_ARN: this.stateMachine.stateMachine.stateMachineArn,
      },
    );
    this.stateMachine.stateMachine.grantStartExecution(candidateApi.function);
    const assessorApi = fn('AssessorApi', 'assessor-api', 'Assessor routes: queue, review, marks, return');
    this.stateMachine.stateMachine.grantTaskResponse(assessorApi.function);
    const adminApi = fn('AdminApi', 'admin-api', 'Admin routes: occupations, exams, sessions, people', {
      IDENTITY_KEY_ID: props.identityKey.keyId,
    }).grantMac(props.identityKey);
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
      [HttpMethod.PUT, '/admin/people/{sub}', adminApi],
      [HttpMethod.GET, '/admin/people/{sub}', adminApi],
    ];
    for (const [method, path, handler] of routes) api.addRoute(method, path, handler.function, user);
  }
}
