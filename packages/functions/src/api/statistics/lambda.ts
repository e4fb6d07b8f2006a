import { handle } from 'hono/aws-lambda';
import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaExportServices } from '../../shared/lambda-export-deps.js';
import { createStatisticsApp } from './index.js';

export const handler = handle(createStatisticsApp({ ...lambdaDeps, exports: lambdaExportServices }));
