import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  type AssistantRecord,
  type ChannelType,
  createDb,
  type Database,
  type Executor,
  insertAssistant,
  insertAssistantVersion,
  insertChannel,
  insertSquad,
  insertUser,
  insertWorkspace,
  migrateToLatest,
  setDefaultResponder,
} from '@parley/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { progressPrinter } from '../../packages/functions/src/cli/progress.js';

// A deterministic benchmark data set: one workspace with a few dozen actors (made through the
// repository helpers), 50,000 contacts, and any number of chats, tickets and messages loaded set-based
// with INSERT ... SELECT over generate_series, never row by row. Every id, timestamp and choice derives
// from the seed and the row's ordinal (md5 for ids, hashint8extended for choices), so the same inputs
// give the same rows on a fresh schema.

/** Fixed, so timestamps are reproducible; chats are spread over the 365 days before it. */
export const BENCH_ANCHOR = '2026-11-01T00:00:00Z';
const YEAR_SECONDS = 365 * 86_400;
/** Chats per statement (with their tickets and messages). */
const BATCH = 100_000;
/** Message ordinals are hashed as i * 65536 + j, which bounds the messages per chat. */
const MAX_MESSAGES_PER_CHAT = 65_535;

const FIRST = ['Ana', 'Ben', 'Chloe', 'Diego', 'Emma', 'Farah', 'Gus', 'Hana', 'Ivan', 'Julia', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tariq'];
const LAST = ['Silva', 'Okafor', 'Schmidt', 'Tanaka', 'Rossi', 'Dubois', 'Kowalski', 'Haddad', 'Jensen', 'Moreno', 'Nguyen', 'Ivanova', 'Costa'];
const COUNTRIES = ['US', 'US', 'DE', 'ES', 'FR', 'BR', 'GB', 'MX', 'IN', 'NL'];
const LANGUAGES = ['en', 'en', 'de', 'es', 'fr', 'pt', 'en', 'es', 'en', 'nl'];
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4', 'gpt-4.1-mini'];
/** Chat titles and the keyword their messages revolve around, so title and content searches find the same chats. */
const TOPICS: Array<[title: string, word: string, intent: string]> = [
  ['Order status', 'order', 'order_status'],
  ['Refund request', 'refund', 'refund_request'],
  ['Delivery delay', 'delivery', 'delivery_delay'],
  ['Invoice copy', 'invoice', 'invoice_copy'],
  ['Password reset', 'password', 'password_reset'],
  ['Account access', 'account', 'account_access'],
  ['Opening hours', 'store hours', 'opening_hours'],
  ['Price question', 'price', 'price_question'],
  ['Discount code', 'discount code', 'discount_code'],
  ['Warranty claim', 'warranty', 'warranty_claim'],
  ['Product return', 'return', 'product_return'],
  ['Appointment booking', 'appointment', 'appointment_booking'],
  ['Payment failed', 'payment', 'payment_failed'],
  ['Address change', 'delivery address', 'address_change'],
];
const WORDS = ['order', 'refund', 'parcel', 'invoice', 'account', 'subscription', 'card', 'receipt', 'booking', 'voucher', 'tracking number', 'plan'];
const USER_LINES = ['Hi, I have a question about my', 'Can you check my', 'I am still waiting on my', 'Is there any update on my', 'I need help with my', 'Something is wrong with my', 'Thanks! One more thing about my', 'Could you send me the details of my'];
const ASSISTANT_LINES = ['Sure, let me look into your', 'I have checked your', 'Here is the latest on your', 'I have updated your', 'Thanks for waiting. About your', 'Happy to help with your'];
const ASSISTANT_ENDINGS = ['.', '. Anything else I can do?', ', it should be sorted within 2 days.', ', you will get an email shortly.', '. Is there anything else?'];
const CALL_END_REASONS = ['customer-ended-call', 'assistant-ended-call', 'silence-timed-out', 'transferred', 'voicemail'];

/** The channels: type, name, responder (an assistant's index or a squad) and share of the chats in per mille. */
const CHANNELS: Array<{ type: ChannelType; name: string; responder: number | 'squad-a' | 'squad-b'; share: number }> = [
  { type: 'widget', name: 'Website widget', responder: 'squad-a', share: 160 },
  { type: 'whatsapp', name: 'WhatsApp Business', responder: 1, share: 150 },
  { type: 'waha', name: 'WhatsApp (WAHA)', responder: 2, share: 60 },
  { type: 'instagram', name: 'Instagram DMs', responder: 3, share: 80 },
  { type: 'api', name: 'Public API', responder: 4, share: 70 },
  { type: 'sms', name: 'SMS line', responder: 5, share: 40 },
  { type: 'email', name: 'Support inbox', responder: 0, share: 140 },
  { type: 'voice', name: 'Phone line', responder: 6, share: 50 },
  { type: 'widget', name: 'Help center widget', responder: 'squad-b', share: 90 },
  { type: 'whatsapp', name: 'WhatsApp Sales', responder: 7, share: 60 },
  { type: 'email', name: 'Billing inbox', responder: 8, share: 50 },
  { type: 'voice', name: 'After-hours line', responder: 9, share: 30 },
];
/** The rest (per mille) have no channel: API chats answered by the workspace's default responder. */
const NO_CHANNEL_SHARE = 1000 - CHANNELS.reduce((sum, c) => sum + c.share, 0);

export interface BenchDataset {
  workspaceId: string;
  /** The admin user's member id (for API keys). */
  memberId: number;
  channelIds: string[];
  /** The responder of each channel, index for index with channelIds. */
  responderIds: string[];
  /** The 100 owners with the most live chats, busiest first. */
  ownerIds: string[];
  /** Up to 1,000 live (not removed) chats spread evenly over the year. */
  sampleChatIds: string[];
}

export interface BenchOptions {
  chats: number;
  messagesPerChat: number;
  /** Varies every id and choice; defaults to 1. */
  seed?: number;
  /** External users (chat owners besides the 20 users); defaults to 50,000. */
  contacts?: number;
  /** Progress and phase timings. */
  log?: (line: string) => void;
  /** The phase, and for the chats the rows loaded so far (a progress printer's update). */
  onProgress?: (phase: string, rows?: { done: number; total?: number; unit?: string }) => void;
}

/**
 * Loads the data set into a migrated database, in one transaction: it lands whole or not at all. Ids
 * depend only on the seed, so a second run with the same seed needs a fresh schema (or another seed);
 * member ids are identity values, equal across runs on a fresh schema.
 */
export async function generateBenchData(db: Kysely<Database>, opts: BenchOptions): Promise<BenchDataset> {
  const { chats, messagesPerChat, seed = 1, contacts = 50_000, log = () => {}, onProgress = () => {} } = opts;
  assertInteger('chats', chats, 0, 2 ** 31 - 1);
  assertInteger('messagesPerChat', messagesPerChat, 0, MAX_MESSAGES_PER_CHAT);
  assertInteger('seed', seed, 0, 2 ** 40);
  assertInteger('contacts', contacts, 1, 2 ** 31 - 1);
  const prefix = `bench-${seed}-`;
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

  const workspaceId = md5Uuid(`${prefix}workspace`);
  const existing = await sql`select 1 from workspaces where id = ${workspaceId}`.execute(db);
  if (existing.rows.length > 0) throw new Error(`The bench workspace of seed ${seed} is already loaded: reset the schema or pick another seed`);

  const actors = await db.transaction().execute(async (trx) => {
    // Row estimates for these statements are far off, and JIT would then compile for seconds per batch.
    await sql`set local jit = off`.execute(trx);
    await sql`set local work_mem = '256MB'`.execute(trx);
    await sql`set local maintenance_work_mem = '1GB'`.execute(trx);

    onProgress('actors and contacts');
    const actors = await createActors(trx, { workspaceId, prefix, contacts });
    log(`actors: ${actors.channelIds.length} channels, ${actors.userIds.length} users, ${contacts.toLocaleString('en-US')} contacts (${elapsed()})`);

    // Row-by-row index maintenance and foreign-key checks cost several times the inserts themselves;
    // building each index and validating each key once at the end is far cheaper. Same transaction,
    // so the committed schema never lacks them.
    const restore = await dropKeysAndIndexes(trx, ['tickets', 'chats', 'messages']);
    onProgress('chats, tickets and messages', { done: 0, total: chats, unit: 'chats' });
    for (let from = 1; from <= chats; from += BATCH) {
      const to = Math.min(chats, from + BATCH - 1);
      await loadChats(trx, { ...actors, prefix, seed, chats, contacts, messagesPerChat, from, to });
      onProgress('chats, tickets and messages', { done: to, total: chats, unit: 'chats' });
    }
    log(`chats ${chats.toLocaleString('en-US')} with ${(chats * messagesPerChat).toLocaleString('en-US')} messages (${elapsed()})`);
    onProgress('keys and indexes');
    await restore();
    log(`keys and indexes rebuilt, foreign keys validated (${elapsed()})`);
    return actors;
  });

  // Hint bits and the visibility map are set now rather than by the benchmark's first reads; ANALYZE for the
  // planner, of every table the load filled (a server may run without autovacuum, and the search documents'
  // statistics decide between an index lookup and probing the list: without them a rare term took 15 s).
  onProgress('vacuum analyze');
  await sql`vacuum (analyze) tickets, chats, messages, identities, contacts, chat_search_documents, stats_dirty`.execute(db);
  log(`vacuum analyze (${elapsed()})`);

  const step = Math.max(1, Math.floor(chats / 1000));
  const sampleChatIds = (
    await sql<{ id: string }>`
      select c.id from generate_series(1, ${chats}::int, ${step}::int) i
      join chats c on c.id = md5(${prefix} || 'chat-' || i)::uuid
      where not c.is_removed order by i limit 1000`.execute(db)
  ).rows.map((r) => r.id);
  const ownerIds = (
    await sql<{ owner_id: string }>`
      select owner_id from chats where workspace_id = ${actors.workspaceId} and not is_removed
      group by owner_id order by count(*) desc, owner_id limit 100`.execute(db)
  ).rows.map((r) => r.owner_id);
  return {
    workspaceId: actors.workspaceId,
    memberId: actors.adminMemberId,
    channelIds: actors.channelIds,
    responderIds: actors.responderIds,
    ownerIds,
    sampleChatIds,
  };
}

function assertInteger(name: string, value: number, min: number, max: number) {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got ${value}`);
}

/** md5(text) as a uuid: the same value as Postgres' md5(text)::uuid. */
function md5Uuid(text: string): string {
  return createHash('md5').update(text).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

/**
 * Drops the primary keys, unique constraints, plain indexes and foreign keys of `tables`, and the
 * foreign keys that reference them. The returned function recreates all of them from their catalog
 * definitions; Postgres validates each foreign key as it is added.
 */
async function dropKeysAndIndexes(trx: Executor, tables: string[]): Promise<() => Promise<void>> {
  const constraints = (
    await sql<{ table: string; name: string; def: string; type: string }>`
      select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as def, contype as type
      from pg_constraint
      where (conrelid = any(${tables}::regclass[]) and contype in ('p', 'u', 'f')) or (confrelid = any(${tables}::regclass[]) and contype = 'f')
      order by conrelid::regclass::text, conname`.execute(trx)
  ).rows;
  const indexes = (
    await sql<{ name: string; def: string }>`
      select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as def from pg_index i
      where indrelid = any(${tables}::regclass[])
        and not exists (select 1 from pg_constraint c where c.conrelid = i.indrelid and c.conindid = i.indexrelid and c.contype in ('p', 'u'))
      order by 1`.execute(trx)
  ).rows;
  const foreignKeys = constraints.filter((c) => c.type === 'f');
  const keys = constraints.filter((c) => c.type !== 'f');
  for (const c of [...foreignKeys, ...keys]) await sql`alter table ${sql.raw(c.table)} drop constraint ${sql.id(c.name)}`.execute(trx);
  for (const i of indexes) await sql`drop index ${sql.raw(i.name)}`.execute(trx);
  return async () => {
    for (const c of keys) await sql`alter table ${sql.raw(c.table)} add constraint ${sql.id(c.name)} ${sql.raw(c.def)}`.execute(trx);
    for (const i of indexes) await sql.raw(i.def).execute(trx);
    for (const c of foreignKeys) await sql`alter table ${sql.raw(c.table)} add constraint ${sql.id(c.name)} ${sql.raw(c.def)}`.execute(trx);
  };
}

interface Actors {
  workspaceId: string;
  adminMemberId: number;
  /** The users' identity ids, and their member ids index for index. */
  userIds: string[];
  userMemberIds: number[];
  channelIds: string[];
  responderIds: string[];
  /** One row per channel, plus one for chats without a channel: what the chat loader needs. */
  plan: ChannelPlan[];
}

interface ChannelPlan {
  /** Chats whose channel hash (mod 1000) falls in [lo, hi) go to this channel. */
  lo: number;
  hi: number;
  channel_id: string | null;
  type: ChannelType;
  responder_id: string;
  /** The responder's current version; null for squads. */
  version_id: string | null;
  /** The agents that answer: the responder itself, or a squad's agents. */
  agent_ids: string[];
  model: string;
}

/**
 * Users, assistants (some with several versions), squads and channels through the repository helpers,
 * then the contacts in one statement. The helpers take no ids and stamp now(), so for the length of
 * the transaction the columns' defaults are swapped for deterministic ones, then restored from the
 * catalog; DDL is transactional, so a failure leaves the schema as it was.
 */
async function createActors(trx: Executor, opts: { workspaceId: string; prefix: string; contacts: number }): Promise<Actors> {
  const { prefix } = opts; // 'bench-<integer>-': safe inside an SQL literal
  const uuidDefault = (table: string) => `md5('${prefix}${table}-' || nextval('bench_generate_uuid_seq'))::uuid`;
  const stamp = `'${BENCH_ANCHOR}'::timestamptz - interval '400 days'`;
  const defaults: Array<[table: string, column: string, expression: string]> = [
    ...['identities', 'channels', 'assistant_versions'].map((t): [string, string, string] => [t, 'id', uuidDefault(t)]),
    ...['workspaces', 'identities', 'members', 'assistants', 'assistant_versions', 'squads', 'channels'].map((t): [string, string, string] => [t, 'created_at', stamp]),
  ];

  await sql`create sequence bench_generate_uuid_seq`.execute(trx);
  const original: string[] = [];
  for (const [table, column, expression] of defaults) {
    const row = await sql<{ expr: string }>`
      select pg_get_expr(d.adbin, d.adrelid) as expr from pg_attrdef d
      join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where d.adrelid = ${table}::regclass and a.attname = ${column}`.execute(trx);
    original.push(row.rows[0]!.expr);
    await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} set default ${sql.raw(expression)}`.execute(trx);
  }
  const actors = await createActorsWithHelpers(trx, opts.workspaceId);
  for (const [k, [table, column]] of defaults.entries()) {
    await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} set default ${sql.raw(original[k]!)}`.execute(trx);
  }
  await sql`drop sequence bench_generate_uuid_seq`.execute(trx);

  // External users: a tenth are anonymous widget visitors; of the rest, two thirds left an email.
  await sql`
    with rows as (
      select k, md5(${prefix} || 'contact-' || k)::uuid as id, k % 10 = 0 as anonymous,
             (${FIRST}::text[])[1 + k % ${FIRST.length}::int] as first, (${LAST}::text[])[1 + (k / ${FIRST.length}::int) % ${LAST.length}::int] as last,
             ${BENCH_ANCHOR}::timestamptz - interval '400 days' + (k % 400) * interval '1 day' as created_at
      from generate_series(1, ${opts.contacts}::int) k
    ),
    ids as (
      insert into identities (id, workspace_id, kind, display_name, created_at)
      select id, ${actors.workspaceId}::uuid, 'contact', case when anonymous then 'Visitor ' || k else first || ' ' || last end, created_at from rows
    )
    insert into contacts (identity_id, workspace_id, identifier, email, phone, is_blocked, is_anonymous, country, language, created_at)
    select id, ${actors.workspaceId}::uuid,
           case when anonymous then 'visitor-' || k else '+1555' || lpad(k::text, 7, '0') end,
           case when not anonymous and k % 3 <> 0 then lower(first || '.' || last || k) || '@example.com' end,
           case when not anonymous then '+1555' || lpad(k::text, 7, '0') end,
           k % 97 = 0, anonymous,
           (${COUNTRIES}::text[])[1 + k % ${COUNTRIES.length}::int], (${LANGUAGES}::text[])[1 + k % ${LANGUAGES.length}::int],
           created_at
    from rows`.execute(trx);
  return actors;
}

async function createActorsWithHelpers(trx: Executor, workspaceId: string): Promise<Actors> {
  const workspace = await insertWorkspace(trx, { id: workspaceId, name: 'Bench', timeZone: 'Europe/Berlin' });
  const ws = workspace.id;
  const users = [];
  for (let k = 0; k < 20; k++) {
    const name = k === 0 ? 'Ada Admin' : `${FIRST[k % FIRST.length]} ${LAST[k % LAST.length]}`;
    users.push(await insertUser(trx, { workspaceId: ws, name, email: `user${k}@bench.parley.test`, role: k === 0 ? 'admin' : 'member' }));
  }
  const assistants: Array<AssistantRecord & { model: string }> = [];
  for (let k = 0; k < 10; k++) {
    const config = { model: MODELS[k % MODELS.length]!, language: 'auto' };
    const assistant = await insertAssistant(trx, { workspaceId: ws, name: `Assistant ${k}`, pictureUrl: `https://img.example/assistant-${k}.png`, config });
    // Some have been edited since: up to three versions, the last one current.
    let currentVersionId = assistant.currentVersionId;
    for (let v = 1; v <= k % 3; v++) currentVersionId = (await insertAssistantVersion(trx, assistant.identityId, { ...config, revision: v })).id;
    assistants.push({ ...assistant, currentVersionId, model: config.model });
  }
  const squad = async (name: string, agents: typeof assistants) => ({
    agents,
    ...(await insertSquad(trx, { workspaceId: ws, name, assistantIds: agents.map((a) => a.identityId) })),
  });
  const squads = { 'squad-a': await squad('Frontline Squad', assistants.slice(0, 3)), 'squad-b': await squad('Help Center Squad', assistants.slice(3, 6)) };
  const fallback = assistants[0]!;
  await setDefaultResponder(trx, ws, fallback.identityId);

  const plan: ChannelPlan[] = [];
  let lo = 0;
  for (const spec of CHANNELS) {
    const team = typeof spec.responder === 'string' ? squads[spec.responder] : undefined;
    const agent = typeof spec.responder === 'number' ? assistants[spec.responder]! : undefined;
    const responderId = team?.identityId ?? agent!.identityId;
    const channel = await insertChannel(trx, { workspaceId: ws, type: spec.type, name: spec.name, responderId });
    const agents = team?.agents ?? [agent!];
    plan.push({
      lo, hi: lo + spec.share, channel_id: channel.id, type: spec.type, responder_id: responderId,
      version_id: agent?.currentVersionId ?? null, agent_ids: agents.map((a) => a.identityId), model: agents[0]!.model,
    });
    lo += spec.share;
  }
  plan.push({
    lo, hi: lo + NO_CHANNEL_SHARE, channel_id: null, type: 'api', responder_id: fallback.identityId,
    version_id: fallback.currentVersionId, agent_ids: [fallback.identityId], model: fallback.model,
  });
  return {
    workspaceId: ws,
    adminMemberId: users[0]!.id,
    userIds: users.map((u) => u.identityId),
    userMemberIds: users.map((u) => u.id),
    channelIds: plan.slice(0, CHANNELS.length).map((p) => p.channel_id!),
    responderIds: plan.slice(0, CHANNELS.length).map((p) => p.responder_id),
    plan,
  };
}

/** Independent per-chat choices: column r_<name> of a batch row is a uniform int in [0, 2^31). */
const CHOICES = [
  'channel', 'agent', 'owner_kind', 'owner', 'topic', 'step', 'ticket', 'removed', 'type', 'archived', 'paused', 'muted',
  'needs_response', 'pinned', 'visibility', 'ai', 'assigned', 'title', 'summary', 'outcome', 'state', 'call',
] as const;
const MESSAGE_SALT = 99;

/**
 * Chats from..to of `chats`, with their tickets and messages, in one statement. Chat i is created at a
 * time increasing with i (more chats lately than a year ago), so batches, chat numbers and the heap
 * follow time as they would in production. Message j of chat i is sent at
 * created_at + j * step + jitter(i, j) with 0 <= jitter < step, so the chat's last_message_at is the
 * same expression at j = messagesPerChat - 1: no join or UPDATE needed.
 */
async function loadChats(
  trx: Executor,
  o: Actors & { prefix: string; seed: number; chats: number; contacts: number; messagesPerChat: number; from: number; to: number },
): Promise<void> {
  const m = o.messagesPerChat;
  const ws = o.workspaceId;
  const anchor = sql`${BENCH_ANCHOR}::timestamptz`;
  // A uniform int in [0, 2^31) per (key, salt): hashint8extended is stable across Postgres versions (hash partitioning relies on it).
  const hash = (key: string, salt: number) => sql.raw(`(hashint8extended(${key}, ${o.seed * 100 + salt}) & 2147483647)::int`);
  const choices = sql.join(CHOICES.map((name, k) => sql`${hash('i', k + 1)} as ${sql.ref(`r_${name}`)}`));
  const percent = (name: (typeof CHOICES)[number]) => sql.raw(`r_${name} % 100`);
  // When message j of the chat in scope (columns i, created_at, step) was sent.
  const messageAt = (j: string) => sql`created_at + (${sql.raw(j)} * step + ${hash(`i::bigint * 65536 + ${j}`, MESSAGE_SALT)} % step) * interval '1 second'`;
  const pick = (items: readonly string[], index: RawBuilder<unknown>) => sql`(${items}::text[])[1 + (${index}) % ${items.length}::int]`;
  const topics = { titles: TOPICS.map((t) => t[0]), words: TOPICS.map((t) => t[1]), intents: TOPICS.map((t) => t[2]) };

  await sql`
    with plan as (
      select * from jsonb_to_recordset(${JSON.stringify(o.plan)}::jsonb)
        as p(lo int, hi int, channel_id uuid, type text, responder_id uuid, version_id uuid, agent_ids uuid[], model text)
    ),
    r as (select i, ${choices} from generate_series(${o.from}::int, ${o.to}::int) i),
    b0 as (
      select r.*, p.channel_id, p.type as channel_type, p.responder_id, p.version_id, p.model,
             md5(${o.prefix} || 'chat-' || i)::uuid as id,
             -- Increasing with i; the density triples over the year (the inverse of the CDF (t + t^2) / 2).
             ${anchor} - ${YEAR_SECONDS}::int * (1.5 - sqrt(0.25 + 2 * (i - 0.5) / ${o.chats}::float8)) * interval '1 second' as created_at,
             -- A squad's chats are answered by one of its agents.
             p.agent_ids[1 + r_agent % cardinality(p.agent_ids)] as agent_id,
             -- 4% owned by users (internal tests), the rest by contacts, skewed so that a few contacts own many chats.
             case when ${percent('owner_kind')} < 4 then (${o.userIds}::uuid[])[1 + r_owner % ${o.userIds.length}::int]
                  else md5(${o.prefix} || 'contact-' || (1 + floor(${o.contacts}::int * power(r_owner / 2147483648.0::float8, 2)))::int)::uuid end as owner_id,
             r_topic % ${TOPICS.length}::int as topic,
             -- Seconds between turns: a chat moves fast, an email thread slowly.
             case when p.type = 'email' then 600 + r_step % 7200 else 5 + r_step % 300 end as step,
             ${percent('ticket')} < 10 as has_ticket,
             ${percent('assigned')} < 15 as is_assigned
      from r join plan p on r_channel % 1000 >= p.lo and r_channel % 1000 < p.hi
    ),
    b as materialized (
      select b0.*,
             case when ${m}::int > 0 then ${messageAt(String(m - 1))} end as last_message_at,
             case when created_at > ${anchor} - interval '7 days' then (case when ${percent('state')} < 10 then 'SNOOZED' else 'OPEN' end)
                  when ${percent('state')} < 6 then 'OPEN' when ${percent('state')} < 8 then 'SNOOZED' else 'CLOSED' end as state
      from b0
    ),
    t as (
      insert into tickets (id, workspace_id, status, subject, created_at, updated_at)
      select md5(${o.prefix} || 'ticket-' || i)::uuid, ${ws}::uuid,
             case when state = 'CLOSED' then (case when r_outcome % 4 = 0 then 'closed' else 'resolved' end) when r_outcome % 3 = 0 then 'pending' else 'open' end,
             ${pick(topics.titles, sql`topic`)} || ' (ref ' || (100000 + i) || ')',
             created_at + step * interval '1 second', greatest(created_at + step * interval '1 second', coalesce(last_message_at, created_at))
      from b where has_ticket
      order by i
    ),
    c as (
      insert into chats (id, workspace_id, channel_id, owner_id, responder_id, current_responder_id, responder_version_id, ticket_id,
                         title, summary, summary_updated_at, chat_type, is_removed, is_archived, is_paused, is_muted, needs_response, is_test,
                         is_pinned, visibility, status, state, ai_enabled, assigned_member_id, assigned_at, language, shared_url,
                         call_duration_seconds, call_end_reason, call_user_inputs, message_count, last_message_at, created_at, updated_at, model)
      select id, ${ws}::uuid, channel_id, owner_id, responder_id, agent_id, version_id,
             case when has_ticket then md5(${o.prefix} || 'ticket-' || i)::uuid end,
             case when ${percent('title')} >= 10 then ${pick(topics.titles, sql`topic`)} end,
             case when state = 'CLOSED' and ${percent('summary')} < 50 then 'Customer asked about their ' || ${pick(topics.words, sql`topic`)} || '; answered by the assistant.' end,
             case when state = 'CLOSED' and ${percent('summary')} < 50 then last_message_at end,
             case when ${percent('type')} < 94 then 'assignment' when ${percent('type')} < 96 then 'dm' when ${percent('type')} < 97 then 'manager' else 'testing' end,
             ${percent('removed')} < 3,
             ${percent('archived')} < 8,
             ${percent('paused')} < 2,
             ${percent('muted')} < 1,
             state = 'OPEN' and ${percent('needs_response')} < 30,
             ${percent('type')} >= 97,
             ${percent('pinned')} < 1,
             case when ${percent('visibility')} < 98 then 'PRIVATE' when ${percent('visibility')} < 99 then 'PUBLIC_READ' else 'PUBLIC_WRITE' end,
             case when state <> 'CLOSED' then 'RUNNING' when ${percent('outcome')} = 1 then 'FAILED' when ${percent('outcome')} = 2 then 'CANCELED' else 'COMPLETED' end,
             state,
             ${percent('ai')} >= 5,
             case when is_assigned then (${o.userMemberIds}::int[])[1 + r_assigned % ${o.userMemberIds.length}::int] end,
             case when is_assigned then created_at + (60 + r_assigned % 3600) * interval '1 second' end,
             -- Derived from the owner, so each contact keeps one language.
             ${pick(LANGUAGES, sql`r_owner`)},
             case when ${percent('visibility')} >= 98 then 'https://share.parley.test/c/' || substr(id::text, 1, 8) end,
             case when channel_type = 'voice' then 20 + r_call % 900 end,
             case when channel_type = 'voice' then ${pick(CALL_END_REASONS, sql`r_call`)} end,
             case when channel_type = 'voice' then ${m}::int / 2 end,
             ${m}::int, last_message_at, created_at, coalesce(last_message_at, created_at), model
      from b
      order by i
    )
    -- Turns alternate user / assistant; some assistant turns are tool results or internal notes instead.
    insert into messages (id, workspace_id, chat_id, author_id, role, content, parts, tool_calls, model,
                          input_tokens, output_tokens, cached_input_tokens, intent_name, intent_score, rating, created_at, updated_at)
    select md5(${o.prefix} || 'msg-' || i || '-' || j)::uuid, ${ws}::uuid, id,
           case role when 'user' then owner_id when 'note' then (${o.userIds}::uuid[])[1 + (rm / 1000) % ${o.userIds.length}::int] else agent_id end,
           role, content,
           jsonb_build_array(jsonb_build_object('type', 'text', 'text', content)),
           '[]'::jsonb,
           case when role = 'assistant' then model end,
           case when role = 'assistant' then 250 + j * 90 + rm % 300 end,
           case when role = 'assistant' then 20 + (rm / 1000) % 180 end,
           case when role = 'assistant' and j >= 3 then 128 * (j / 2) end,
           case when role = 'assistant' then ${pick(topics.intents, sql`topic`)} end,
           case when role = 'assistant' then 0.55 + (rm % 45) / 100.0 end,
           case when role = 'assistant' and (rm / 100000) % 100 < 2 then 1 + rm % 5 end,
           at, at
    from b
    cross join generate_series(0, ${m - 1}::int) j
    cross join lateral (select ${hash('i::bigint * 65536 + j', MESSAGE_SALT)} as rm, ${messageAt('j')} as at) h
    cross join lateral (
      select case when j % 2 = 0 then 'user' when rm % 100 < 6 then 'tool' when rm % 100 < 9 then 'note' else 'assistant' end as role,
             case when (rm / 100) % 4 = 0 then ${pick(WORDS, sql`rm / 400`)} else ${pick(topics.words, sql`topic`)} end as word
    ) k
    cross join lateral (
      select case role
               when 'user' then ${pick(USER_LINES, sql`rm / 10000`)} || ' ' || word || case when j = 0 then ' (ref ' || (100000 + i) || ')' else '?' end
               when 'assistant' then ${pick(ASSISTANT_LINES, sql`rm / 10000`)} || ' ' || word || ${pick(ASSISTANT_ENDINGS, sql`rm / 1000000`)}
               when 'tool' then 'lookup_' || replace(word, ' ', '_') || ': {"status":"ok","ref":' || (100000 + i) || '}'
               else 'Internal note: customer asked about the ' || word || ', follow up tomorrow.'
             end as content
    ) x
    -- Insertion order is message time, as in production (and it fixes the message numbers).
    order by at, i, j`.execute(trx);
}

async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = await createDb({ driver: 'pg', url: Object.assign(new URL(url), { pathname: '/postgres' }).toString(), maxConnections: 1 });
  try {
    const { rows } = await sql`select 1 from pg_database where datname = ${name}`.execute(admin.db);
    if (rows.length === 0) await sql`create database ${sql.id(name)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
}

// npx tsx test/bench/generate.ts [--chats 1000000] [--messages-per-chat 10] [--seed 1] [--reset]
// Loads into BENCH_DATABASE_URL (what run.ts reads), else DATABASE_URL, else parley_bench on localhost,
// creating the database if needed. --reset drops and recreates the public schema first.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      chats: { type: 'string', default: '1000000' },
      'messages-per-chat': { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      reset: { type: 'boolean', default: false },
    },
  });
  const chats = Number(values.chats);
  const messagesPerChat = Number(values['messages-per-chat']);
  const url = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_bench';
  const target = new URL(url);
  console.log(`database ${target.host}${target.pathname}${values.reset ? ' (schema reset)' : ''}`);
  await ensureDatabase(url);
  const handle = await createDb({ driver: 'pg', url, maxConnections: 2 });
  try {
    if (values.reset) {
      await sql`drop schema public cascade`.execute(handle.db);
      await sql`create schema public`.execute(handle.db);
    }
    await migrateToLatest(handle.db);
    const t0 = performance.now();
    const progress = progressPrinter();
    const ds = await generateBenchData(handle.db, { chats, messagesPerChat, seed: Number(values.seed), log: progress.log, onProgress: progress.update });
    progress.end();
    const seconds = (performance.now() - t0) / 1000;
    const size = await sql<{ size: string }>`select pg_size_pretty(pg_database_size(current_database())) as size`.execute(handle.db);
    console.log(
      `workspace ${ds.workspaceId}: ${chats.toLocaleString('en-US')} chats, ${(chats * messagesPerChat).toLocaleString('en-US')} messages ` +
        `in ${seconds.toFixed(1)} s; database ${size.rows[0]!.size}`,
    );
  } finally {
    await handle.close();
  }
}
