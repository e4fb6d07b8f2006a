import { handle } from 'hono/aws-lambda';
import { lambdaDeps } from '../../shared/lambda-deps.js';
import { createOrgChatsApp } from './index.js';

export const handler = handle(createOrgChatsApp(lambdaDeps));
