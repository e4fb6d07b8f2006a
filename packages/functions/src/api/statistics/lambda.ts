import { lambdaDeps } from '../../shared/lambda-deps.js';
import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { lambdaExportServices } from '../../shared/lambda-export-deps.js';
import { createStatisticsApp } from './index.js';

export const handler = lambdaHttpHandler(createStatisticsApp({ ...lambdaDeps, exports: lambdaExportServices }));
