import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { createDocsApp } from './index.js';

export const handler = lambdaHttpHandler(createDocsApp(lambdaDeps));
