import { CfnOutput, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  type CfnStage,
  HttpApi,
  type HttpMethod,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type RouteAccess =
  | { kind: 'public' }
  /** Signed-in users; the handler checks their group. */
  | { kind: 'user' }
  /** Machine clients holding one of these OAuth scopes. */
  | { kind: 'scopes'; scopes: string[] };

/**
 * The HTTP API. Every route states who may call it; JWTs from the user pool are checked by API Gateway
 * before a function runs, so handlers never see an unauthenticated call on a protected route.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  private readonly authorizer: IHttpRouteAuthorizer;
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();
  /** Route key → its own throttling; resolved when the template is written, so routes may add to it. */
  private readonly routeSettings: Record<
    string,
    { ThrottlingBurstLimit: number; ThrottlingRateLimit: number }
  > = {};

  constructor(scope: Construct, id: string, props: { userPool: UserPool; clients: UserPoolClient[] }) {
    super(scope, id);
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${props.userPool.userPoolId}`;
    this.authorizer = new HttpJwtAuthorizer('CognitoJwt', issuer, {
      jwtAudience: props.clients.map((c) => c.userPoolClientId),
    });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'skillcert HTTP API',
      createDefaultStage: true,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = this.httpApi.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    // Each route has its own bucket (API Gateway throttles per route, across callers); bursts cover exam
    // starts. Public routes set lower limits of their own (throttleRoute).
    stage.defaultRouteSettings = { throttlingBurstLimit: 200, throttlingRateLimit: 100 };
    stage.routeSettings = Lazy.any({
      produce: () => (Object.keys(this.routeSettings).length > 0 ? this.routeSettings : undefined),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.apiEndpoint });
  }

  /** Gives one route (e.g. "GET /verify/{number}") its own throttling limits. */
  throttleRoute(routeKey: string, limits: { burst: number; rate: number }): void {
    this.routeSettings[routeKey] = { ThrottlingBurstLimit: limits.burst, ThrottlingRateLimit: limits.rate };
  }

  addRoute(method: HttpMethod, path: string, handler: IFunction, access: RouteAccess): void {
    let integration = this.integrations.get(handler);
    if (!integration) {
      integration = new HttpLambdaIntegration(
        `${handler.node.scope?.node.id ?? handler.node.id}Integration`,
        handler,
      );
      this.integrations.set(handler, integration);
    }
    const routes = this.httpApi.addRoutes({
      path,
      methods: [method],
      integration,
      ...(access.kind === 'public' ? {} : { authorizer: this.authorizer }),
      ...(access.kind === 'scopes' ? { authorizationScopes: access.scopes } : {}),
    });
    if (access.kind === 'public') {
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${method} ${path} is public by design: verifiers and key resolvers call it without an account.`,
        });
      }
    }
  }
}
