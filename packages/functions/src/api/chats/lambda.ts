import { handle } from 'hono/aws-lambda';
import { lambdaDeps } from '../../shared/lambda-deps.js';
import { createChatsApp } from './index.js';

export const handler = handle(createChatsApp(lambdaDeps));
