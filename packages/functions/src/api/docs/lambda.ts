import { lambdaHttpHandler } from '../../shared/lambda-http.js';
import { createDocsApp } from './index.js';

// The docs open no database: the groups' apps are built for their routes only, never to serve them.
const noDatabase = () => Promise.reject(new Error('The docs function has no database'));

export const handler = lambdaHttpHandler(createDocsApp({ db: noDatabase }));
