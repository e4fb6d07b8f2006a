import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { createKeysApp } from './index.js';

export const handler = lambdaHttpHandler(createKeysApp(lambdaDeps));
