import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { createChatsApp } from './index.js';

export const handler = lambdaHttpHandler(createChatsApp(lambdaDeps));
