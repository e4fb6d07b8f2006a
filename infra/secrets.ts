/** The Neon connection string (set with `sst secret set DatabaseUrl <url>`). */
export const databaseUrl = new sst.Secret('DatabaseUrl');
