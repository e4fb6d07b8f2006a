import { config, createKey, KEY_ROTATION_GRACE_MAX_SECONDS, type KeyView, listAllKeys, MAX_KEY_LIFETIME_DAYS, migrateToLatest, revokeKey, rotateKey, SCOPES } from '@parley/core';
import { openToolDatabase } from '../local/open-database.js';
import { Uuid } from '../shared/params.js';
import { DATABASE_NOTES, parseCommandLine, runTool, type Tool, UsageError } from './command-line.js';

// npm run keys -- create | list | revoke | rotate: the lifecycle of a workspace's API keys, as an operator.

const workspace = { type: 'string', value: '<uuid>', description: 'the workspace', required: true } as const;
const key = { type: 'string', value: '<prl_id>', description: 'the key: its prefix prl_<id> (as `list` shows) or its id', required: true } as const;

const tool: Tool = {
  run: 'npm run keys --',
  description: 'API keys of a workspace.',
  commands: {
    create: {
      description: 'creates a key and prints it: the only copy of its secret',
      flags: {
        workspace,
        scopes: { type: 'string', value: '<scope,...>', description: `what it may do: ${SCOPES.join(', ')}`, required: true },
        member: { type: 'string', value: '<id>', description: "the member it acts as (default: the workspace's first admin)" },
        name: { type: 'string', value: '<label>', description: 'a label for the key' },
        expires: { type: 'string', value: '<when>', description: `when it stops working: an instant (2027-01-01T00:00:00Z) or a duration (90d, 12h); at most ${MAX_KEY_LIFETIME_DAYS} days` },
      },
    },
    list: { description: 'lists the keys (without secrets): prefix, name, scopes, member, state, created, last used, expires', flags: { workspace } },
    revoke: { description: 'revokes a key at once', flags: { workspace, key } },
    rotate: {
      description: 'gives a key a new secret and prints it; the old one works for the grace period',
      flags: { workspace, key, grace: { type: 'string', value: '<duration>', description: 'how long the old secret keeps working: 0, 30m, 24h (default API_KEY_ROTATION_GRACE_SECONDS, 24h), at most 7d' } },
    },
  },
  notes: DATABASE_NOTES,
};

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90d`, `12h`, `30m`, `45s` or `0` in seconds; undefined when it is none of them. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = /^([0-9]{1,7})([smhd])$/.exec(text);
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : undefined;
}

function parseExpiry(text: string): Date {
  const seconds = parseDuration(text);
  if (seconds !== undefined) return new Date(Date.now() + seconds * 1000);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text);
  throw new UsageError(`--expires must be an instant with an offset (2027-01-01T00:00:00Z) or a duration (90d, 12h, 30m), not "${text}"`);
}

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

function printKeys(keys: KeyView[]): void {
  if (keys.length === 0) {
    console.log('No keys.');
    return;
  }
  const rows = [
    ['PREFIX', 'NAME', 'SCOPES', 'MEMBER', 'STATE', 'CREATED', 'LAST USED', 'EXPIRES'],
    ...keys.map((k) => [
      k.prefix,
      k.name,
      k.scopes.join(','),
      `${k.memberId} ${k.memberName}`,
      k.previousSecretExpiresAt ? `${k.state} (old secret until ${when(k.previousSecretExpiresAt)})` : k.state,
      when(k.createdAt),
      when(k.lastUsedAt),
      when(k.expiresAt),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

async function main() {
  const { command, values } = parseCommandLine(tool);
  const workspaceId = values.workspace as string;
  if (!Uuid.safeParse(workspaceId).success) throw new UsageError('--workspace must be a workspace id (a UUID)');
  const memberId = values.member === undefined ? undefined : Number(values.member);
  if (memberId !== undefined && !(Number.isSafeInteger(memberId) && memberId > 0 && /^[0-9]+$/.test(values.member as string))) {
    throw new UsageError('--member must be a member id (a positive whole number)');
  }
  const expiresAt = values.expires === undefined ? undefined : parseExpiry(values.expires as string);
  let grace: number | undefined;
  if (values.grace !== undefined) {
    grace = parseDuration(values.grace as string);
    if (grace === undefined || grace > KEY_ROTATION_GRACE_MAX_SECONDS) throw new UsageError(`--grace must be a duration from 0 to 7d (0, 30m, 24h, 7d), not "${values.grace}"`);
  }
  const keyId = values.key as string | undefined;
  if (keyId !== undefined && !/^(prl_)?[A-Za-z0-9]{12}$/.test(keyId)) throw new UsageError(`--key must be a key's prefix prl_<12 letters or digits> (as \`list\` shows), not "${keyId}"`);

  const cfg = config();
  const database = await openToolDatabase(cfg, `npm run keys -- ${command}`);
  try {
    const db = database.handle.db;
    await migrateToLatest(db);
    const operator = { operator: true as const, workspaceId: workspaceId.toLowerCase() };
    const names = { scopes: '--scopes', name: '--name', expiresAt: '--expires' };
    if (command === 'create') {
      const scopes = (values.scopes as string).split(/[\s,]+/).filter(Boolean);
      const { token } = await createKey(db, operator, { scopes, memberId, name: values.name as string | undefined, expiresAt }, names);
      console.log(token);
    } else if (command === 'list') {
      printKeys(await listAllKeys(db, operator.workspaceId));
    } else if (command === 'revoke') {
      const revoked = await revokeKey(db, operator, keyId!);
      console.log(`Revoked ${revoked.prefix} (${revoked.name}) at ${when(revoked.revokedAt)}`);
    } else if (command === 'rotate') {
      const { key: rotated, token } = await rotateKey(db, operator, keyId!, grace ?? cfg.apiKeys.rotationGraceSeconds);
      console.log(token);
      const old = rotated.previousSecretExpiresAt ? `until ${when(rotated.previousSecretExpiresAt)}` : 'no longer';
      console.error(`The old secret of ${rotated.prefix} works ${old}.`);
    }
  } finally {
    await database.close();
  }
}

runTool(main);
