import { handle } from 'hono/aws-lambda';
import { lambdaDeps } from '../../shared/lambda-deps.js';
import { createDocsApp } from './index.js';

export const handler = handle(createDocsApp(lambdaDeps));
