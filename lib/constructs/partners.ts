import { Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Fail, JitterType, JsonPath, Succeed, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { DynamoAttributeValue, DynamoUpdateItem, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PUBLIC_WRITE_KEYS } from '../../functions/adapters/dynamodb-paper-store.js';
import { NOTICE_RETRY } from '../notice-retry.js';
import { type CertificationRegion, regionEnvironment } from '../regions.js';
import type { Api } from './api.js';
import { SkillcertFunction } from './function.js';
import type { Signing } from './signing.js';
import { SkillcertStateMachine } from './state-machine.js';

/** How often status lists are swept: the longest a list whose signing failed after a change stays stale. */
export const STATUS_SWEEP_MINUTES = 5;

export interface PartnersProps {
  region: CertificationRegion;
  table: TableV2;
  signingKey: IKey;
  /** The Data Integrity proofs embedded in endorsements and status lists: their suite's environment and key grant. */
  proof: Pick<Signing, 'proofEnvironment' | 'grantProof'>;
  /** The keys' generation (docs/keys.md): signers record it and close older generations' windows. */
  signingKeyGeneration: number;
  api: Api;
  /** Full scope name partner machine clients need to ask for a recognition. */
  recognizeScope: string;
  /** First wait before a notice is sent again; doubles each time up to an hour. */
  noticeRetryInterval: Duration;
  /** Retries of one delivery round before it gives up and the sweep starts the next. */
  noticeMaxAttempts: number;
  /** The longest a partner's status list is reused (functions default to 5 minutes when absent). */
  partnerStatusListCache?: Duration;
}

/**
 * Verification, status lists, the trust registry, recognition and revocation notices: what partner
 * regions and the public see of this region, and what it sees of them.
 */
export class Partners extends Construct {
  readonly noticeDelivery: SkillcertStateMachine;

  constructor(scope: Construct, id: string, props: PartnersProps) {
    super(scope, id);
    const { region, table, api } = props;
    const environment = {
      TABLE_NAME: table.tableName,
      ...regionEnvironment(region),
      SIGNING_KEY_ID: props.signingKey.keyId,
      SIGNING_KEY_GENERATION: String(props.signingKeyGeneration),
      ...(props.partnerStatusListCache
        ? { PARTNER_STATUS_LIST_CACHE_SECONDS: String(props.partnerStatusListCache.toSeconds()) }
        : {}),
    };
    // What a function signs: nothing, a JWS (notices), or credentials with their embedded proof and JWS.
    // Functions behind public routes only read the table (docs/security.md, "Public routes").
    const fn = (
      fid: string,
      entry: string,
      description: string,
      signs: false | 'jws' | 'credentials',
      table_: 'read' | 'write' = 'write',
    ) => {
      const created = new SkillcertFunction(this, fid, {
        entry,
        description,
        environment: {
          ...environment,
          ...(signs === 'credentials' ? props.proof.proofEnvironment() : {}),
        },
      });
      if (table_ === 'read') created.grantTableRead(table);
      else created.grantTableWrite(table);
      if (signs) created.grantSign(props.signingKey);
      if (signs === 'credentials') props.proof.grantProof(created);
      return created;
    };

    // ---- public: verification and status lists read only; the notice webhook writes what a partner signed ----
    const verification = fn(
      'VerificationApi',
      'verification-api',
      'Public verification (reads only)',
      false,
      'read',
    );
    // Lookups by number spend the client's budget and add to the holder's activity: those partitions only.
    verification.grantTableWritesLimitedTo(table, PUBLIC_WRITE_KEYS);
    api.addRoute(HttpMethod.GET, '/verify/{number}', verification.function, { kind: 'public' });
    api.addRoute(HttpMethod.POST, '/credentials/verify', verification.function, { kind: 'public' });
    // Authenticated by the notice's signature (a registered partner's key); a notice that voids an
    // endorsement re-signs that endorsement list.
    const partnerNotices = fn(
      'PartnerNoticesApi',
      'partner-notices',
      "Receives partner regions' signed revocation notices",
      'credentials',
    );
    api.addRoute(HttpMethod.POST, '/partner-notices', partnerNotices.function, { kind: 'public' });
    const statusLists = fn(
      'StatusListsApi',
      'status-lists',
      "Serves the region's status lists as signed when they changed (reads only)",
      false,
      'read',
    );
    api.addRoute(HttpMethod.GET, '/status/{region}/{list}/{purpose}', statusLists.function, {
      kind: 'public',
    });
    // Open routes get their own, lower limits so scraping them cannot starve exams; status lists are
    // cacheable and fetched by every verifier, so they get more.
    api.throttleRoute('GET /verify/{number}', { burst: 20, rate: 10 });
    api.throttleRoute('POST /credentials/verify', { burst: 20, rate: 10 });
    api.throttleRoute('GET /status/{region}/{list}/{purpose}', { burst: 100, rate: 50 });
    api.throttleRoute('POST /partner-notices', { burst: 20, rate: 10 });

    // ---- partner machine clients: recognition ----
    const recognition = fn(
      'RecognitionApi',
      'recognition-api',
      "Recognises other regions' certificates under agreements and signs endorsements",
      'credentials',
    );
    const partnerAccess = { kind: 'scopes' as const, scopes: [props.recognizeScope] };
    api.addRoute(HttpMethod.POST, '/recognitions', recognition.function, partnerAccess);
    api.addRoute(HttpMethod.GET, '/recognitions/{recognitionId}', recognition.function, partnerAccess);

    // ---- revocation notices: one workflow per notice, retried until the partner acknowledges ----
    const deliver = fn(
      'DeliverNoticeFunction',
      'deliver-notice',
      "Signs a revocation notice once and posts it to a partner's webhook",
      'jws',
    );
    const attempt = new LambdaInvoke(this, 'DeliverNotice', {
      lambdaFunction: deliver.function,
      payload: TaskInput.fromObject({ 'noticeId.$': '$.noticeId' }),
      payloadResponseOnly: true,
      resultPath: '$.delivery',
    })
      .addRetry({
        errors: ['Notice.NotAcknowledged'],
        interval: props.noticeRetryInterval,
        backoffRate: NOTICE_RETRY.backoffRate,
        maxDelay: Duration.seconds(NOTICE_RETRY.maxDelaySeconds),
        jitterStrategy: JitterType.FULL,
        // A round gives up after about three weeks (docs/partners.md has the figure, computed from these
        // numbers by lib/notice-retry.ts); the sweep then starts the next round.
        maxAttempts: props.noticeMaxAttempts,
      })
      .addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 6 });
    // A round that gives up says so on the notice (the admin sees it), then fails (the alarm sees it).
    const recordGiveUp = new DynamoUpdateItem(this, 'RecordGiveUp', {
      table,
      key: {
        pk: DynamoAttributeValue.fromString(JsonPath.format('NOTICE#{}', JsonPath.stringAt('$.noticeId'))),
        sk: DynamoAttributeValue.fromString('NOTICE'),
      },
      updateExpression: 'SET gaveUpAt = :at, lastError = :cause',
      conditionExpression: '#status = :pending',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: {
        ':at': DynamoAttributeValue.fromString(JsonPath.stringAt('$$.State.EnteredTime')),
        ':cause': DynamoAttributeValue.fromString(JsonPath.stringAt('$.failure.Cause')),
        ':pending': DynamoAttributeValue.fromString('pending'),
      },
      resultPath: JsonPath.DISCARD,
    });
    const undeliverable = new Fail(this, 'NoticeUndeliverable', {
      error: 'NoticeUndeliverable',
      causePath: '$.failure.Cause',
    });
    recordGiveUp.addCatch(undeliverable, { resultPath: '$.recordFailure' });
    recordGiveUp.next(undeliverable);
    attempt.addCatch(recordGiveUp, { resultPath: '$.failure' });
    this.noticeDelivery = new SkillcertStateMachine(this, 'NoticeDelivery', {
      comment:
        "Delivers one signed notice (a revocation, or a recognition told to its issuer) to a partner region's webhook, retrying with backoff",
      definition: attempt.next(new Succeed(this, 'Acknowledged')),
      timeout: Duration.days(60),
    });
    this.noticeDelivery.acknowledgeInvokes([deliver.function]);
    // A recognition stores its notice to the issuing region with it and starts its delivery (the sweep
    // starts it if that fails): the same workflow and retries as revocation notices.
    recognition.function.addEnvironment(
      'NOTICE_STATE_MACHINE_ARN',
      this.noticeDelivery.stateMachine.stateMachineArn,
    );
    this.noticeDelivery.stateMachine.grantStartExecution(recognition.function);
    this.noticeDelivery.grantExecutionActions(recognition, 'states:DescribeExecution');

    // Admins manage the registry and certificate status; a revocation stores notices and starts delivery.
    // A status change signs the lists it changed right after it commits (so it holds both signing keys).
    const partnersAdmin = new SkillcertFunction(this, 'PartnersAdminApi', {
      entry: 'partners-admin-api',
      description:
        'Admin routes: trust registry, agreements, certificate status (suspend, reinstate, revoke)',
      environment: {
        ...environment,
        ...props.proof.proofEnvironment(),
        NOTICE_STATE_MACHINE_ARN: this.noticeDelivery.stateMachine.stateMachineArn,
      },
    })
      .grantTableWrite(table)
      .grantSign(props.signingKey);
    props.proof.grantProof(partnersAdmin);
    this.noticeDelivery.stateMachine.grantStartExecution(partnersAdmin.function);
    this.noticeDelivery.grantExecutionActions(partnersAdmin, 'states:DescribeExecution');
    const user = { kind: 'user' } as const;
    const adminRoutes: [HttpMethod, string][] = [
      [HttpMethod.PUT, '/admin/partners/{code}'],
      [HttpMethod.GET, '/admin/partners'],
      [HttpMethod.PUT, '/admin/agreements/{agreementId}'],
      [HttpMethod.GET, '/admin/agreements'],
      [HttpMethod.POST, '/admin/certificates/{number}/status'],
      [HttpMethod.GET, '/admin/certificates/{number}'],
      [HttpMethod.GET, '/admin/certificates/{number}/notices'],
    ];
    for (const [method, path] of adminRoutes) api.addRoute(method, path, partnersAdmin.function, user);

    // A sweep starts any notice whose first start failed after its revocation committed.
    const sweep = new SkillcertFunction(this, 'DispatchNoticesFunction', {
      entry: 'dispatch-notices',
      description: 'Starts delivery of revocation notices still pending',
      environment: {
        ...environment,
        NOTICE_STATE_MACHINE_ARN: this.noticeDelivery.stateMachine.stateMachineArn,
      },
      memorySize: 256,
      // Writes, not only reads: when a round has given up, the sweep moves the notice to its next round
      // (nextNoticeRound, an UpdateItem). The local cloud's IAM refused that call under a read-only grant.
    }).grantTableWrite(table);
    this.noticeDelivery.stateMachine.grantStartExecution(sweep.function);
    // A round's execution that has ended (gave up) is told from one still running by describing it.
    this.noticeDelivery.grantExecutionActions(sweep, 'states:DescribeExecution');
    new Rule(this, 'DispatchNoticesSchedule', {
      description: 'Every five minutes: start delivery of pending revocation notices',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(sweep.function, { retryAttempts: 2 })],
    });

    // Signs every handed-out status list that needs it: missing, older than its bits, or due for renewal
    // (certification/status-publication.ts). The backstop behind signing at change time.
    const renew = fn(
      'RenewStatusLists',
      'renew-status-lists',
      'Signs status lists whose stored signature is missing, stale or due for renewal',
      'credentials',
    );
    new Rule(this, 'RenewStatusListsSchedule', {
      description: `Every ${STATUS_SWEEP_MINUTES} minutes: sign status lists that need it`,
      schedule: Schedule.rate(Duration.minutes(STATUS_SWEEP_MINUTES)),
      targets: [new LambdaFunction(renew.function, { retryAttempts: 2 })],
    });
  }
}
