/** The Neon connection string (`npx sst secret set DatabaseUrl <url> --stage <stage>`). */
export const databaseUrl = new sst.Secret('DatabaseUrl');

/**
 * Chat-action provider settings as a JSON object of the variables in README's configuration table, e.g.
 * `{"SMS_PROVIDER":"twilio","TWILIO_ACCOUNT_SID":"AC...","TWILIO_AUTH_TOKEN":"..."}` (set with
 * `sst secret set ChatProviders '<json>'`). Empty: the outbox and the extractive summariser.
 */
export const chatProviders = new sst.Secret('ChatProviders', '{}');
