import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { createOrgChatsApp } from './index.js';

export const handler = lambdaHttpHandler(createOrgChatsApp(lambdaDeps));
