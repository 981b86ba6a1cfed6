import { CfnOutput, Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  type HttpMethod,
  type HttpRoute,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type RouteAccess =
  | { kind: 'public' }
  /** Signed-in users; the handler checks their group. */
  | { kind: 'user' }
  /** Machine clients holding one of these OAuth scopes. */
  | { kind: 'scopes'; scopes: string[] };

export interface ApiProps {
  /**
   * Who issues the tokens: an OpenID Connect issuer (its discovery document and JWKS are all API Gateway
   * reads) and the client ids accepted as audience. Cognito is one such issuer.
   */
  jwt: { id: string; issuer: string; audience: string[] };
  /** The public domain (the issuer DID's host) and its certificate; the execute-api endpoint is then off. */
  customDomain?: { domainName: string; certificate: ICertificate };
  /** The web app's origins: the only ones browsers may call the API from (never `*`). */
  corsOrigins: string[];
}

/**
 * The HTTP API. Every route states who may call it; JWTs are checked by API Gateway before a function
 * runs, so handlers never see an unauthenticated call on a protected route.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly accessLogs: LogGroup;
  readonly domainName?: DomainName;
  private readonly authorizer: IHttpRouteAuthorizer;
  private readonly stage: CfnStage;
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();
  private readonly routes = new Map<string, HttpRoute>();
  /** Route key → its own throttling; resolved when the template is written, so routes may add to it. */
  private readonly routeSettings: Record<
    string,
    { ThrottlingBurstLimit: number; ThrottlingRateLimit: number }
  > = {};

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.authorizer = new HttpJwtAuthorizer(props.jwt.id, props.jwt.issuer, {
      jwtAudience: props.jwt.audience,
    });
    if (props.customDomain) {
      this.domainName = new DomainName(this, 'PublicDomain', {
        domainName: props.customDomain.domainName,
        certificate: props.customDomain.certificate,
      });
    }
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'skillcert HTTP API',
      createDefaultStage: true,
      // API Gateway answers preflights itself and replaces the functions' CORS headers. Bearer tokens, not
      // cookies, so no credentials; `date` is exposed so the exam page can read the server's clock.
      corsPreflight: {
        allowOrigins: props.corsOrigins,
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['date'],
        maxAge: Duration.minutes(10),
      },
      // Everything a credential names lives under the public domain; a second way in would only be a
      // second address to protect (and in the China regions it needs the same ICP recordal).
      ...(this.domainName
        ? { defaultDomainMapping: { domainName: this.domainName }, disableExecuteApiEndpoint: true }
        : {}),
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.accessLogs = accessLogs;
    const stage = this.httpApi.defaultStage?.node.defaultChild as CfnStage;
    this.stage = stage;
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
        // Why the JWT authorizer refused a token (Observability counts refusals).
        authorizerError: '$context.authorizer.error',
      }),
    };
    // Each route has its own bucket (API Gateway throttles per route, across callers); bursts cover exam
    // starts. Public routes set lower limits of their own (throttleRoute).
    stage.defaultRouteSettings = { throttlingBurstLimit: 200, throttlingRateLimit: 100 };
    stage.routeSettings = Lazy.any({
      produce: () => (Object.keys(this.routeSettings).length > 0 ? this.routeSettings : undefined),
    });

    if (this.domainName) {
      new CfnOutput(this, 'PublicUrl', { value: `https://${props.customDomain?.domainName}` });
      // The DNS record the region's IT team adds: <public domain> CNAME <this> (docs/deploy.md).
      new CfnOutput(this, 'PublicDomainTarget', { value: this.domainName.regionalDomainName });
    } else {
      new CfnOutput(this, 'ApiUrl', { value: this.httpApi.apiEndpoint });
    }
  }

  /** Gives one route (e.g. "GET /verify/{number}") its own throttling limits. */
  throttleRoute(routeKey: string, limits: { burst: number; rate: number }): void {
    this.routeSettings[routeKey] = { ThrottlingBurstLimit: limits.burst, ThrottlingRateLimit: limits.rate };
    const route = this.routes.get(routeKey);
    if (route) this.stageNames(route);
  }

  /**
   * The stage's RouteSettings name routes by their key, which CloudFormation does not see as a reference:
   * without this the stage may be created first and fail ("Unable to find Route by key").
   */
  private stageNames(route: HttpRoute): void {
    this.stage.node.addDependency(route);
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
    for (const route of routes) {
      const key = `${method} ${path}`;
      this.routes.set(key, route);
      if (this.routeSettings[key]) this.stageNames(route);
    }
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
