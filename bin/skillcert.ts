#!/usr/bin/env node
// CDK entry. A real deployment is a committed file: `npx cdk deploy -c deployment=neijiang-prod`
// (deployments/neijiang-prod.json; docs/deploy.md). `npx cdk synth -c region=neijiang` synthesizes the
// local demo the local cloud runs, which CloudFormation refuses to create.
import { buildApp } from '../lib/app.js';

buildApp().synth();
