import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolEmail,
  UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export const USER_GROUPS = ['candidates', 'assessors', 'admins'] as const;
export type UserGroup = (typeof USER_GROUPS)[number];

/** OAuth scopes partner regions' machine clients hold (full name: `skillcert/<scope>`). */
export const PARTNER_SCOPES = ['verify', 'recognize'] as const;
export const RESOURCE_SERVER_ID = 'skillcert';
/** How long a rotated-out refresh token still works, for a client retrying a refresh whose answer it lost. */
export const WEB_REFRESH_RETRY_GRACE_SECONDS = 10;

/**
 * Who signs in: candidates, assessors and admins in one user pool (told apart by group), and partner
 * regions as machine clients using the client-credentials flow with narrow scopes.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly webClient: UserPoolClient;
  readonly partnerClient: UserPoolClient;
  readonly partnerScopes: Record<(typeof PARTNER_SCOPES)[number], string>;

  constructor(
    scope: Construct,
    id: string,
    props: {
      /** The web app's redirect URIs after sign-in and after sign-out (lib/deployments.ts webClientUrls). */
      web: { callbackUrls: string[]; logoutUrls: string[] };
      /** The hosted domain prefix: unique across all AWS accounts in the region, so from the deployment. */
      authDomainPrefix: string;
      /** Cognito's own mail allows 50 messages a day: a bulk enrolment needs SES (docs/deploy.md). */
      email?: { from: string; sesIdentity: string; sesRegion?: string; replyTo?: string };
    },
  ) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      // Admins enrol people from the exam registration records; nobody signs themself up.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: {
        minLength: 10,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Conflict-of-interest rules need to know who works where and who trained whom.
      customAttributes: {
        employer: new StringAttribute({ mutable: true, maxLen: 128 }),
        trainingOrg: new StringAttribute({ mutable: true, maxLen: 128 }),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.email
        ? {
            email: UserPoolEmail.withSES({
              fromEmail: props.email.from,
              // A verified domain identity lets any address of it send; an address identity is itself.
              ...(props.email.sesIdentity.includes('@')
                ? {}
                : { sesVerifiedDomain: props.email.sesIdentity }),
              ...(props.email.sesRegion ? { sesRegion: props.email.sesRegion } : {}),
              ...(props.email.replyTo ? { replyTo: props.email.replyTo } : {}),
            }),
          }
        : {}),
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional (TOTP): candidates sit exams on shared workshop terminals without personal phones; admins are required to enrol TOTP by policy.',
      },
      {
        id: 'AwsSolutions-COG3',
        reason:
          'Threat protection needs the Cognito Plus plan; sign-in is already throttled by Cognito and exam attempts are server-enforced.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus plan costs per monthly active user; a public evaluation body enrols a few thousand workers a year and uses strong password rules instead.',
      },
    );

    USER_GROUPS.forEach((groupName) => {
      new CfnUserPoolGroup(this, `Group${groupName[0]?.toUpperCase()}${groupName.slice(1)}`, {
        userPoolId: this.userPool.userPoolId,
        groupName,
        description: `skillcert ${groupName}`,
      });
    });

    // The hosted domain serves the OAuth token endpoint partner clients use. Prefixes are global across
    // AWS accounts in a region, so each deployment names its own (deployments/<name>.json).
    this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.authDomainPrefix } });

    const resourceServerScopes = PARTNER_SCOPES.map(
      (name) =>
        new ResourceServerScope({
          scopeName: name,
          scopeDescription: `Partner regions may ${name} certificates`,
        }),
    );
    const resourceServer = new UserPoolResourceServer(this, 'ResourceServer', {
      userPool: this.userPool,
      identifier: RESOURCE_SERVER_ID,
      scopes: resourceServerScopes,
    });
    this.partnerScopes = {
      verify: `${RESOURCE_SERVER_ID}/verify`,
      recognize: `${RESOURCE_SERVER_ID}/recognize`,
    };

    // The web app: a public client (a browser keeps no secret) using the authorization code flow with
    // PKCE through managed login. Redirect URIs are matched exactly. Tokens last an hour, so the app
    // refreshes; refresh tokens rotate (each one works once, REFRESH_TOKEN_AUTH is then off), with a short
    // grace so a phone that lost the answer to a refresh can retry it. docs/web.md, "Sign-in".
    this.webClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: props.web.callbackUrls,
        logoutUrls: props.web.logoutUrls,
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(7),
      refreshTokenRotationGracePeriod: Duration.seconds(WEB_REFRESH_RETRY_GRACE_SECONDS),
    });

    this.partnerClient = this.userPool.addClient('PartnerClient', {
      generateSecret: true,
      oAuth: {
        flows: { clientCredentials: true },
        scopes: resourceServerScopes.map((s) => OAuthScope.resourceServer(resourceServer, s)),
      },
      accessTokenValidity: Duration.hours(1),
    });
    // What the runbook's first-admin and partner steps need (docs/deploy.md).
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'WebClientId', { value: this.webClient.userPoolClientId });
    new CfnOutput(this, 'PartnerClientId', { value: this.partnerClient.userPoolClientId });
  }
}
