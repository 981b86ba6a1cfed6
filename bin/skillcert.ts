#!/usr/bin/env node
// CDK entry: `npx cdk synth` / `npx cdk deploy -c region=neijiang`.
import { buildApp } from '../lib/app.js';

buildApp().synth();
