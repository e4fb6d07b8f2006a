import { AppError, config, createApiKey, findWorkspaceAdmin, migrateToLatest, parseScopes, SCOPES } from '@parley/core';
import { findMember, findWorkspace } from '@parley/db';
import { openToolDatabase } from '../local/open-database.js';
import { Uuid } from '../shared/params.js';
import { DATABASE_NOTES, parseCommandLine, runTool, type Tool, UsageError } from './command-line.js';

// npm run keys -- create --workspace <id> --scopes chats:read,chats:write [--member <id>] [--name <text>]

const tool: Tool = {
  run: 'npm run keys --',
  description: 'API keys of a workspace.',
  commands: {
    create: {
      description: 'creates a key and prints it: the only copy of its secret',
      flags: {
        workspace: { type: 'string', value: '<uuid>', description: 'the workspace the key belongs to', required: true },
        scopes: { type: 'string', value: '<scope,...>', description: `what it may do: ${SCOPES.join(', ')}`, required: true },
        member: { type: 'string', value: '<id>', description: "the member it acts as (default: the workspace's first admin)" },
        name: { type: 'string', value: '<label>', description: 'a label for the key' },
      },
    },
  },
  notes: DATABASE_NOTES,
};

async function main() {
  const { command, values } = parseCommandLine(tool);
  const workspaceId = values.workspace as string;
  if (!Uuid.safeParse(workspaceId).success) throw new UsageError('--workspace must be a workspace id (a UUID)');
  const memberId = values.member === undefined ? undefined : Number(values.member);
  if (memberId !== undefined && !(Number.isSafeInteger(memberId) && memberId > 0)) throw new UsageError('--member must be a member id (a positive whole number)');
  const scopes = parseScopes(values.scopes as string);
  const database = await openToolDatabase(config(), `npm run keys -- ${command}`);
  try {
    const db = database.handle.db;
    await migrateToLatest(db);
    if (!(await findWorkspace(db, workspaceId))) throw new AppError('not_found', `No workspace ${workspaceId} in this database`);
    let owner = memberId;
    if (owner === undefined) {
      owner = (await findWorkspaceAdmin(db, workspaceId))?.id;
      if (owner === undefined) throw new AppError('not_found', `Workspace ${workspaceId} has no admin member; pass --member <id>`);
    } else {
      const member = await findMember(db, workspaceId, owner);
      if (!member) throw new AppError('not_found', `Workspace ${workspaceId} has no member ${owner}`);
      if (member.kind !== 'user') throw new AppError('bad_request', `Member ${owner} of workspace ${workspaceId} is not a user (it is a ${member.kind}); keys act as users`);
    }
    const { token } = await createApiKey(db, { workspaceId, memberId: owner, scopes, name: values.name as string | undefined });
    console.log(token);
  } finally {
    await database.close();
  }
}

runTool(main);
