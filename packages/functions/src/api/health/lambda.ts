import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { createHealthApp } from './index.js';

export const handler = lambdaHttpHandler(createHealthApp(lambdaDeps));
