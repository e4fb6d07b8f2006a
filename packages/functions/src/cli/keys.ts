import { parseArgs } from 'node:util';
import { AppError, config, ConfigError, createApiKey, databaseOptions, findWorkspaceAdmin, lazyDatabase, migrateToLatest, parseScopes } from '@parley/core';

// npm run keys -- create --workspace <id> --scopes chats:read,chats:write [--member <id>] [--name <text>]

const usage = 'Usage: npm run keys -- create --workspace <workspace uuid> --scopes <scope,scope,...> [--member <member id>] [--name <label>]';

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { workspace: { type: 'string' }, scopes: { type: 'string' }, member: { type: 'string' }, name: { type: 'string' } },
  });
  if (positionals[0] !== 'create' || !values.workspace || !values.scopes) throw new AppError('bad_request', usage);
  const scopes = parseScopes(values.scopes);
  const database = lazyDatabase(() => databaseOptions(config()));
  try {
    const db = await database.db();
    await migrateToLatest(db);
    const memberId = values.member ? Number(values.member) : (await findWorkspaceAdmin(db, values.workspace))?.id;
    if (!memberId || !Number.isInteger(memberId)) throw new AppError('not_found', `Workspace ${values.workspace} has no admin member; pass --member <id>`);
    const { token } = await createApiKey(db, { workspaceId: values.workspace, memberId, scopes, name: values.name });
    console.log(token);
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof AppError || err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
