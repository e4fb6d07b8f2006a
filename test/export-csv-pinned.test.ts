import { chatExportKind, CsvLineEndings } from '@parley/core';
import {
  type ChatSort,
  type Executor,
  type ExportJobRecord,
  insertChat,
  insertContact,
  insertUser,
  type WorkspaceChatFilter,
  workspaceChatsOrder,
  workspaceChatsWhere,
} from '@parley/db';
import { type CompiledQuery, type Expression, type RawBuilder, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './harness/csv.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The chats export's CSV, pinned byte for byte: the worker's file (chatExportKind through COPY and the
// CRLF transform) must equal what the export's SELECT of 2026-12-02 produced (kept below, verbatim, as
// the reference: a correlated subquery per row for participants and labels) on a varied data set, for
// every filter, reach and sort tried. A change to the export's query may make it faster, never different.

const t = useTestDb();

// ---- The reference: the export's SELECT as it was, one subquery per row ----

function isoUtc(column: RawBuilder<unknown> | Expression<unknown>): RawBuilder<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
function neutralised(text: RawBuilder<unknown> | Expression<unknown>): RawBuilder<string> {
  return sql<string>`case when left(${text}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) then '''' || ${text} else ${text} end`;
}
const flag = (column: string) => sql<string>`case when ${sql.ref(column)} then 'true' else 'false' end`;

function referenceExportQuery(db: Executor, filter: WorkspaceChatFilter, sort: ChatSort): CompiledQuery {
  const query = db
    .selectFrom('chats')
    .leftJoin('channels', 'channels.id', 'chats.channel_id')
    .innerJoin('identities as owner', 'owner.id', 'chats.owner_id')
    .leftJoin('members as owner_member', 'owner_member.identity_id', 'chats.owner_id')
    .leftJoin('contacts as owner_contact', 'owner_contact.identity_id', 'chats.owner_id')
    .leftJoin('members as assistant', (join) =>
      join.on((eb) => eb('assistant.identity_id', '=', eb.fn.coalesce('chats.current_responder_id', 'chats.responder_id'))).on('assistant.kind', '=', 'assistant'),
    )
    .leftJoin('identities as assistant_identity', 'assistant_identity.id', 'assistant.identity_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('labels')
          .select(sql<string | null>`string_agg(labels.name, '; ' order by labels.name)`.as('names'))
          .where(sql<boolean>`labels.id = any(array(${eb.selectFrom('chat_labels').select('chat_labels.label_id').whereRef('chat_labels.chat_id', '=', 'chats.id')}))`)
          .as('chat_label_names'),
      (join) => join.onTrue(),
    )
    .select([
      'chats.number as chat_id',
      'chats.id as chat_uuid',
      neutralised(sql.ref('chats.title')).as('title'),
      'chats.chat_type',
      sql<string>`coalesce(channels.type, 'api')`.as('channel'),
      neutralised(sql.ref('channels.name')).as('channel_name'),
      'chats.owner_id',
      neutralised(sql.ref('owner.display_name')).as('owner_name'),
      'owner.kind as owner_kind',
      'owner_member.id as owner_member_id',
      sql<string>`case when owner_contact.is_anonymous then 'true' else 'false' end`.as('owner_anonymous'),
      'assistant.id as assistant_member_id',
      neutralised(sql.ref('assistant_identity.display_name')).as('assistant_name'),
      'chats.assigned_member_id',
      sql<string>`(select string_agg(participants.member_id || ':' || participants.role, ';' order by participants.id) from participants where participants.chat_id = chats.id)`.as('participants'),
      flag('chats.is_archived').as('archived'),
      flag('chats.is_paused').as('paused'),
      flag('chats.is_muted').as('muted'),
      flag('chats.needs_response').as('needs_response'),
      flag('chats.is_test').as('is_test'),
      'chats.state',
      neutralised(sql.ref('chat_label_names.names')).as('labels'),
      isoUtc(sql.ref('chats.created_at')).as('created_at'),
      isoUtc(sql.ref('chats.updated_at')).as('updated_at'),
      isoUtc(sql.ref('chats.last_message_at')).as('last_message_at'),
      'chats.message_count',
    ])
    .where(workspaceChatsWhere(filter));
  return workspaceChatsOrder(sort)
    .reduce((ordered, term) => ordered.orderBy(term), query)
    .compile();
}

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The reference's file: its COPY through the same CRLF transform the worker uses. */
async function referenceCsv(filter: WorkspaceChatFilter, sort: ChatSort): Promise<Buffer> {
  const copy = await t.handle.copyCsv(referenceExportQuery(t.db, filter, sort));
  return bytesOf(copy.stream.pipe(new CsvLineEndings()));
}

/** The worker's file for a job with these parameters, as chatExportKind writes it. */
async function exportedCsv(workspaceId: string, filter: WorkspaceChatFilter, sort: ChatSort): Promise<{ bytes: Buffer; rowCount: number | undefined }> {
  // The job's parameters go through JSON, as they do when a job is stored.
  const job = { id: '00000000-0000-4000-8000-000000000000', workspaceId, kind: 'workspace-chats', params: JSON.parse(JSON.stringify({ filter, sort })) } as unknown as ExportJobRecord;
  const file = await chatExportKind.produce(t.handle, job);
  const bytes = await bytesOf(file.body);
  return { bytes, rowCount: file.rowCount() };
}

// ---- The data set ----

let ws: TestWorkspace;
let otherWs: TestWorkspace;
const chatIds: Record<string, string> = {};
let anonymousContact: { identityId: string };
let extraMembers: Array<{ id: number; identityId: string }>;

const TITLES: Array<string | null> = [
  '=SUM(A1:A9)',
  '+15550001',
  '-2+3',
  '@cmd',
  '\tTabbed',
  '\rCarriage',
  'He said "hi", then left\nfor good',
  'Ünïcödé 日本語 🎉, ok',
  'comma, only',
  '"quoted"',
  'trailing\r\n',
  'semi; colon',
  null,
  '',
  'Plain title',
  'Plain title',
];

const LABEL_NAMES = ['billing', '=HYPERLINK("http://x.test")', 'needs, review', 'Ünïcödé 🎉', 'quote " inside', 'multi\nline', 'semi; colon', 'zeta', 'alpha', 'Beta', '-minus', '@at'];

beforeAll(async () => {
  const db = t.db;
  ws = await createTestWorkspace(db);
  otherWs = await createTestWorkspace(db);
  extraMembers = [];
  for (let i = 0; i < 10; i++) extraMembers.push(await insertUser(db, { workspaceId: ws.workspace.id, name: i % 3 === 0 ? `=Member, "${i}"` : `Member ${i} 日本`, role: 'member' }));
  anonymousContact = await insertContact(db, { workspaceId: ws.workspace.id, name: 'Visitor, anonymous', identifier: 'anon-1', isAnonymous: true });
  const quotedContact = await insertContact(db, { workspaceId: ws.workspace.id, name: '+Quoted "Contact", Ünï', identifier: 'q@x.test' });
  await db.updateTable('channels').set({ name: '=Channel, "sms"\nline' }).where('id', '=', ws.channels.sms.id).execute();

  const labels = await db
    .insertInto('labels')
    .values(LABEL_NAMES.map((name) => ({ workspace_id: ws.workspace.id, name })))
    .returning(['id', 'name'])
    .execute();
  const otherLabel = await db.insertInto('labels').values({ workspace_id: otherWs.workspace.id, name: 'other workspace' }).returning('id').executeTakeFirstOrThrow();

  const owners = [ws.contact.identityId, anonymousContact.identityId, ws.member.identityId, quotedContact.identityId, ws.admin.identityId];
  const channels = [ws.channels.sms.id, ws.channels.whatsapp.id, null, ws.channels.widget.id, ws.channels.api.id];
  const responders = [ws.agent.identityId, ws.otherAgent.identityId, ws.squad.identityId];
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (const [i, title] of TITLES.entries()) {
    const created = new Date(start + (i % 5 === 4 ? 0 : i) * 3_600_000 + (i % 3) * 1);
    const chat = await insertChat(db, {
      workspaceId: ws.workspace.id,
      channelId: channels[i % channels.length]!,
      ownerId: owners[i % owners.length]!,
      responderId: responders[i % responders.length]!,
      currentResponderId: i % 4 === 1 ? ws.agent.identityId : null,
      responderVersionId: null,
      title,
      createdAt: created,
    });
    chatIds[`chat${i}`] = chat.id;
    await db
      .updateTable('chats')
      .set({
        is_archived: i % 3 === 0,
        is_paused: i % 4 === 0,
        is_muted: i % 5 === 0,
        needs_response: i % 2 === 0,
        is_test: i % 7 === 0,
        state: (['OPEN', 'SNOOZED', 'CLOSED'] as const)[i % 3],
        chat_type: (['assignment', 'manager', 'dm', 'testing'] as const)[i % 4],
        assigned_member_id: i % 3 === 1 ? ws.member.id : i % 3 === 2 ? extraMembers[i % extraMembers.length]!.id : null,
        updated_at: new Date(start + 86_400_000 + ((i * 7) % 11) * 60_000 + 123),
      })
      .where('id', '=', chat.id)
      .execute();
    // Labels: none, one, or many (up to all of them), chosen by the chat's position.
    const mine = labels.filter((_, k) => (i * 5 + k * 3) % (1 + (i % 4)) === 0 && k <= i);
    if (mine.length) await db.insertInto('chat_labels').values(mine.map((l) => ({ chat_id: chat.id, label_id: l.id }))).execute();
    // Participants: none, a few, or every extra member, in an order unrelated to member ids.
    const count = i % 4 === 0 ? 0 : i % 4 === 1 ? 2 : i % 4 === 2 ? 5 : extraMembers.length;
    const roles = ['owner', 'admin', 'contributor', 'observer'] as const;
    for (let k = 0; k < count; k++) {
      const member = extraMembers[(k * 7 + i) % extraMembers.length]!;
      await db.insertInto('participants').values({ chat_id: chat.id, member_id: member.id, role: roles[(i + k) % roles.length] }).onConflict((oc) => oc.doNothing()).execute();
    }
    if (i % 3 !== 2) {
      await ws.appendMessages(
        chat.id,
        Array.from({ length: 1 + (i % 4) }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', content: k === 0 && i === 1 ? 'refund, "please"\nnow' : `message ${k} of ${i}` }) as never),
      );
      await db.updateTable('chats').set({ last_message_at: new Date(start + 2 * 86_400_000 + i * 1_000 + 7) }).where('id', '=', chat.id).execute();
    }
  }
  // The member takes part in one chat it neither owns nor is assigned to.
  await db.insertInto('participants').values({ chat_id: chatIds.chat6!, member_id: ws.member.id, role: 'observer' }).execute();
  // A removed chat (never exported), with labels and participants of its own.
  const removed = await insertChat(db, { workspaceId: ws.workspace.id, channelId: null, ownerId: ws.contact.identityId, responderId: ws.agent.identityId, currentResponderId: null, responderVersionId: null, title: 'removed', createdAt: new Date(start) });
  await db.updateTable('chats').set({ is_removed: true }).where('id', '=', removed.id).execute();
  await db.insertInto('chat_labels').values({ chat_id: removed.id, label_id: labels[0]!.id }).execute();
  await db.insertInto('participants').values({ chat_id: removed.id, member_id: extraMembers[0]!.id }).execute();
  // Another workspace's chat with labels and participants: never in this workspace's file.
  const foreign = await insertChat(db, { workspaceId: otherWs.workspace.id, channelId: null, ownerId: otherWs.contact.identityId, responderId: otherWs.agent.identityId, currentResponderId: null, responderVersionId: null, title: 'foreign', createdAt: new Date(start) });
  await db.insertInto('chat_labels').values({ chat_id: foreign.id, label_id: otherLabel.id }).execute();
  await db.insertInto('participants').values({ chat_id: foreign.id, member_id: otherWs.member.id }).execute();
});

// ---- The cases ----

type Case = { name: string; filter: () => WorkspaceChatFilter; sorts?: ChatSort[] };

const admin = (): WorkspaceChatFilter['reach'] => ({ workspaceId: ws.workspace.id, member: null, anonymous: true });
const adminWithoutAnonymous = (): WorkspaceChatFilter['reach'] => ({ workspaceId: ws.workspace.id, member: null, anonymous: false });
const member = (anonymous: boolean): WorkspaceChatFilter['reach'] => ({ workspaceId: ws.workspace.id, member: { memberId: ws.member.id, identityId: ws.member.identityId }, anonymous });

const EVERY_SORT: ChatSort[] = (['createdAt', 'updatedAt', 'lastMessageAt', 'title'] as const).flatMap((field) => (['asc', 'desc'] as const).map((order) => ({ field, order })));

const CASES: Case[] = [
  { name: 'every chat, with chats:admin (anonymous owners included)', filter: () => ({ reach: admin() }), sorts: EVERY_SORT },
  { name: 'every chat, without chats:admin (anonymous owners left out)', filter: () => ({ reach: adminWithoutAnonymous() }), sorts: EVERY_SORT },
  { name: "a member's own chats", filter: () => ({ reach: member(false) }) },
  { name: "a member's own chats, anonymous owners included", filter: () => ({ reach: member(true) }) },
  { name: 'a label', filter: () => ({ reach: admin(), rules: { field: 'label', op: 'eq', value: 'billing' } }) },
  { name: 'no labels', filter: () => ({ reach: admin(), rules: { field: 'label', op: 'is_null', value: true } }) },
  { name: 'not these labels', filter: () => ({ reach: admin(), rules: { field: 'label', op: 'not_in', value: ['zeta', 'alpha'] } }) },
  { name: 'a participant', filter: () => ({ reach: admin(), rules: { field: 'memberId', op: 'in', value: [extraMembers[3]!.id] } }) },
  { name: 'channels', filter: () => ({ reach: admin(), rules: { field: 'channel', op: 'in', value: ['sms', 'api'] } }) },
  { name: 'anonymous owners only', filter: () => ({ reach: admin(), rules: { field: 'anonymous', op: 'eq', value: true } }) },
  {
    name: 'a rule tree',
    filter: () => ({
      reach: admin(),
      rules: {
        all: [
          { any: [{ field: 'archived', op: 'eq', value: false }, { field: 'title', op: 'contains', value: 'plain' }] },
          { field: 'createdAt', op: 'between', value: [new Date('2026-01-01T01:00:00Z'), new Date('2026-01-01T12:00:00Z')] },
          { field: 'lastMessageAt', op: 'is_null', value: false },
        ],
      },
    }),
    sorts: [{ field: 'title', order: 'asc' }],
  },
  { name: 'message content', filter: () => ({ reach: admin(), rules: { field: 'content', op: 'contains', value: 'refund' } }) },
  { name: 'search', filter: () => ({ reach: admin(), search: 'plain' }) },
  { name: 'nothing matches', filter: () => ({ reach: admin(), rules: { field: 'title', op: 'eq', value: 'no such title' } }) },
];

const DEFAULT_SORT: ChatSort = { field: 'createdAt', order: 'desc' };

describe('the chats export CSV', () => {
  for (const c of CASES) {
    it(`is byte-identical to the reference: ${c.name}`, async () => {
      const filter = c.filter();
      for (const sort of c.sorts ?? [DEFAULT_SORT]) {
        const expected = await referenceCsv(filter, sort);
        const actual = await exportedCsv(ws.workspace.id, filter, sort);
        expect(actual.bytes.toString('utf8')).toBe(expected.toString('utf8'));
        expect(actual.bytes.equals(expected)).toBe(true);
        expect(actual.rowCount).toBe(parseCsv(expected.toString('utf8')).length - 1);
      }
    });
  }

  it('holds what the data set was made to test (so the comparison above is not vacuous)', async () => {
    const text = (await exportedCsv(ws.workspace.id, { reach: admin() }, { field: 'createdAt', order: 'asc' })).bytes.toString('utf8');
    const [header, ...rows] = parseCsv(text).filter((r) => r.length > 1);
    const col = (name: string) => header!.indexOf(name);
    expect(rows).toHaveLength(TITLES.length);
    expect(text).not.toContain('removed');
    expect(text).not.toContain('foreign');
    expect(text).not.toContain('other workspace');
    const participants = rows.map((r) => r[col('participants')]!);
    expect(participants.some((p) => p === '')).toBe(true);
    expect(Math.max(...participants.map((p) => (p ? p.split(';').length : 0)))).toBe(extraMembers.length);
    const labels = rows.map((r) => r[col('labels')]!);
    expect(labels.some((l) => l === '')).toBe(true);
    expect(labels.some((l) => l.startsWith("'-minus; ") || l.includes('multi\nline'))).toBe(true);
    expect(rows.some((r) => r[col('owner_anonymous')] === 'true')).toBe(true);
    expect(rows.some((r) => r[col('owner_name')] === `'+Quoted "Contact", Ünï`)).toBe(true);
    expect(rows.some((r) => r[col('channel_name')] === `'=Channel, "sms"\nline`)).toBe(true);
    expect(rows.some((r) => r[col('assistant_member_id')] === '')).toBe(true);
    expect(rows.some((r) => r[col('last_message_at')] === '')).toBe(true);
  });

});
