// What the template tells an identity provider and API Gateway about the web app: a public client with
// the code flow, redirect URIs on the app's origin only, rotating refresh tokens; CORS for that origin only.
import { describe, expect, it } from 'vitest';
import { deploymentsUnderTest, resourcesOfType, synthTemplate } from './support/templates.js';

const [, , , , , global] = deploymentsUnderTest();

describe('the web app in the template', () => {
  it('a Cognito deployment registers a public code-flow client with exact URLs and rotation', () => {
    const template = synthTemplate(global?.options ?? {});
    const clients = resourcesOfType(template, 'AWS::Cognito::UserPoolClient').map(
      ([, r]) => r.Properties ?? {},
    );
    const web = clients.find((c) => (c.AllowedOAuthFlows as string[] | undefined)?.includes('code'));
    expect(web).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: expect.arrayContaining(['openid']),
      CallbackURLs: ['https://app.skillcert-global.neijiang.gov.cn/callback'],
      LogoutURLs: ['https://app.skillcert-global.neijiang.gov.cn/'],
      SupportedIdentityProviders: ['COGNITO'],
      EnableTokenRevocation: true,
      RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 },
    });
    // Rotation and REFRESH_TOKEN_AUTH exclude each other (Cognito's documentation).
    expect(web?.ExplicitAuthFlows).not.toContain('ALLOW_REFRESH_TOKEN_AUTH');
    const [, api] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api')[0] ?? [];
    expect(api?.Properties?.CorsConfiguration).toMatchObject({
      AllowOrigins: ['https://app.skillcert-global.neijiang.gov.cn'],
      AllowMethods: expect.arrayContaining(['GET', 'POST', 'PUT']),
      AllowHeaders: ['authorization', 'content-type'],
      ExposeHeaders: ['date'],
    });
  });

  it('an outside OIDC provider is told the same URLs (template metadata for the provider and the local stand-in)', () => {
    const template = synthTemplate({ deployment: 'neijiang-prod' });
    expect(resourcesOfType(template, 'AWS::Cognito::UserPool')).toHaveLength(0);
    expect(template.Metadata?.['Skillcert::Identity']).toMatchObject({
      web: {
        callbackUrls: ['https://app.skillcert.neijiang.gov.cn/callback'],
        logoutUrls: ['https://app.skillcert.neijiang.gov.cn/'],
      },
    });
    const [, api] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api')[0] ?? [];
    const cors = api?.Properties?.CorsConfiguration as { AllowOrigins: string[] };
    expect(cors.AllowOrigins).toEqual(['https://app.skillcert.neijiang.gov.cn']);
  });

  it('no deployment answers CORS for every origin', () => {
    for (const { label, options } of deploymentsUnderTest()) {
      const template = synthTemplate(options);
      for (const [, api] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
        const origins = (api.Properties?.CorsConfiguration as { AllowOrigins?: string[] } | undefined)
          ?.AllowOrigins;
        expect(origins, label).toHaveLength(1);
        expect(origins, label).not.toContain('*');
      }
    }
  });
});
