import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { createWorkspaceApp } from './index.js';

export const handler = lambdaHttpHandler(createWorkspaceApp(lambdaDeps));
