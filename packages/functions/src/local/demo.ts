import {
  appendMessages,
  type ChannelType,
  countWorkspaces,
  findOldestWorkspace,
  type Database,
  insertAssistant,
  insertAssistantVersion,
  insertChannel,
  insertChat,
  insertContact,
  insertParticipant,
  insertSquad,
  insertUser,
  type NewMessageInput,
  openTicketForChat,
  setChatReadMarker,
  setDefaultResponder,
  type TicketStatus,
  updateChatInbox,
  updateContactChannelDetails,
  setApiKeyScopes,
  updateOrgChatAttributes,
} from '@parley/db';
import type { Kysely } from 'kysely';
import { AppError, authenticate, createApiKey, findWorkspaceAdmin, provisionWorkspace, SCOPES } from '@parley/core';

// The demo workspace that `npm start` seeds on first run: enough of everything to try every endpoint.

/** A small deterministic generator, so every fresh demo looks the same. */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

const FIRST = ['Ana', 'Ben', 'Chloe', 'Diego', 'Emma', 'Farah', 'Gus', 'Hana', 'Ivan', 'Julia', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya'];
const LAST = ['Silva', 'Okafor', 'Schmidt', 'Tanaka', 'Rossi', 'Dubois', 'Kowalski', 'Haddad', 'Jensen', 'Moreno'];
const TOPICS = [
  ['Order status', 'Where is my order #{n}? It was supposed to arrive yesterday.', 'Your order #{n} left our warehouse this morning and should arrive within two days.'],
  ['Refund request', 'I would like a refund for the blender I bought last week.', 'I have started the refund; you will see it on your card in 3-5 business days.'],
  ['Opening hours', 'Are you open on Sunday?', 'Our stores are open on Sundays from 10:00 to 16:00.'],
  ['Password reset', 'I cannot log in, the reset link does not arrive.', 'I have sent a new reset link; please also check your spam folder.'],
  ['Delivery address', 'Can I change the delivery address of my order?', 'Yes, as long as it has not shipped. What is the new address?'],
  ['Appointment booking', 'I want to book a test drive for Saturday.', 'Saturday at 11:00 is available. Shall I book it for you?'],
  ['Invoice copy', 'Please send me a copy of invoice {n}.', 'Here is the invoice {n} as a PDF; it has also been emailed to you.'],
  ['Product question', 'Does the X200 support wireless charging?', 'Yes, the X200 supports Qi wireless charging up to 15 W.'],
] as const;
const FOLLOW_UPS = ['Thanks!', 'Great, that helps.', 'Can you confirm by email?', 'Perfect.', 'One more question: do you ship abroad?', 'OK'];
const FOLLOW_UP_ANSWERS = ['You are welcome!', 'Done, you will get an email shortly.', 'Yes, we ship to 30 countries.', 'Anything else I can help with?'];
/** Tools a chat offers (the org-chats tool shape, as stored). */
const TOOLS = [
  { name: 'search_kb', display_name: 'Search knowledge base', description: 'Finds answers in the help center', icon: 'ToolSearchKbIcon', parameters: { type: 'object', properties: { query: { type: 'string' } } }, enabled_by_default: true },
  { name: 'order_lookup', display_name: 'Look up order', action_name: 'shop.orders.get', description: 'Reads an order by number', icon: 'ConnectionHttpIcon', connection_id: 'conn_shop', parameters: { type: 'object', properties: { number: { type: 'string' } } }, enabled_by_default: true },
  { name: 'web_search', display_name: 'Web search', description: 'Searches the web', icon: 'ToolWebSearchIcon', parameters: {}, enabled_by_default: false },
];

export interface DemoWorkspace {
  workspaceId: string;
  adminMemberId: number;
  apiKey: string;
  chats: number;
}

/**
 * Seeds the demo workspace unless the database already has a workspace. Returns undefined when
 * nothing was seeded.
 */
const DEMO_TOOLS = ['lookup_order', 'check_stock', 'create_ticket', 'book_appointment', 'refund_payment'];

export async function seedDemoWorkspace(
  db: Kysely<Database>,
  options: { apiKey?: string; chats?: number; now?: Date } = {},
): Promise<DemoWorkspace | undefined> {
  if ((await countWorkspaces(db)) > 0) return undefined;
  const rand = prng(42);
  const extra = prng(7);
  const now = options.now ?? new Date();
  const chatCount = options.chats ?? 300;

  return db.transaction().execute(async (trx) => {
    const { workspace, admin } = await provisionWorkspace(trx, {
      name: 'Parley Demo',
      timeZone: 'Europe/Berlin',
      adminName: 'Ada Admin',
      adminEmail: 'ada@demo.parley.test',
    });
    const ws = workspace.id;
    const users = [admin];
    for (const [name, email] of [['Bruno Agent', 'bruno@demo.parley.test'], ['Carla Support', 'carla@demo.parley.test'], ['Dev Lead', 'dev@demo.parley.test']] as const) {
      users.push(await insertUser(trx, { workspaceId: ws, name, email, role: 'member' }));
    }

    const sales = await insertAssistant(trx, { workspaceId: ws, name: 'Sales Assistant', pictureUrl: 'https://picsum.photos/seed/sales/96', config: { model: 'gpt-4o-mini', language: 'auto', knowledge_scope: 'all', conversation: { thread_mode: 'continue', enable_memories: true, enable_transfer_to_human_tool: true, welcome_banner: 'Hi! Looking for something?', suggested_messages: ['Track my order', 'Talk to sales'] } } });
    const support = await insertAssistant(trx, { workspaceId: ws, name: 'Support Assistant', pictureUrl: 'https://picsum.photos/seed/support/96', config: { model: 'gpt-4o', language: 'en' } });
    const supportV2 = await insertAssistantVersion(trx, support.identityId, { model: 'gpt-4o', language: 'en', instructions: 'Be brief.', knowledge_scope: 'restricted', stt: { model: 'nova-2' } });
    const voice = await insertAssistant(trx, { workspaceId: ws, name: 'Voice Receptionist', config: { model: 'gpt-4o-realtime', tts: { model: 'tts-1', voice_id: 'alloy' }, stt: { model: 'whisper-1' } } });
    const squad = await insertSquad(trx, { workspaceId: ws, name: 'Frontline Squad', assistantIds: [sales.identityId, support.identityId] });
    await setDefaultResponder(trx, ws, support.identityId);

    const channelSpecs: Array<[ChannelType, string, string]> = [
      ['widget', 'Website widget', squad.identityId],
      ['whatsapp', 'WhatsApp Business', sales.identityId],
      ['waha', 'WhatsApp (WAHA)', support.identityId],
      ['instagram', 'Instagram DMs', sales.identityId],
      ['api', 'Public API', support.identityId],
      ['sms', 'SMS line', support.identityId],
      ['email', 'Support inbox', support.identityId],
      ['voice', 'Phone line', voice.identityId],
    ];
    const channels = [];
    for (const [type, name, responderId] of channelSpecs) channels.push(await insertChannel(trx, { workspaceId: ws, type, name, responderId }));

    const contacts: string[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `${rand.pick(FIRST)} ${rand.pick(LAST)}`;
      const { identityId } = await insertContact(trx, {
        workspaceId: ws,
        name,
        identifier: `+4915${String(10000000 + i * 7919).slice(0, 8)}`,
        email: `${name.toLowerCase().replace(' ', '.')}${i}@example.com`,
        phone: `+4915${String(10000000 + i * 7919).slice(0, 8)}`,
        isBlocked: i % 19 === 7,
        isAnonymous: i % 10 === 3,
        country: rand.pick(['DE', 'US', 'ES', 'FR', 'BR']),
        language: rand.pick(['de', 'en', 'es', 'fr', 'pt']),
      });
      contacts.push(identityId);
      // The contact's presence on its channel (org-chats' contact_channel); a generator of its own keeps the rest of the demo unchanged.
      await updateContactChannelDetails(trx, ws, identityId, {
        handle: `@${name.toLowerCase().replace(' ', '_')}`,
        ip: `198.51.100.${10 + i}`,
        userAgent: extra.pick(['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'WhatsApp/2.24']),
        link: i % 4 === 0 ? `https://instagram.com/${name.toLowerCase().replace(' ', '.')}` : null,
      });
    }

    const dayMs = 86_400_000;
    const modelOf = new Map([[sales.identityId, 'gpt-4o-mini'], [support.identityId, 'gpt-4o'], [voice.identityId, 'gpt-4o-realtime']]);
    for (let i = 0; i < chatCount; i++) {
      const channel = rand.pick(channels);
      const ownerId = i % 15 === 0 ? rand.pick(users).identityId : rand.pick(contacts);
      const createdAt = new Date(now.getTime() - rand.next() * 60 * dayMs);
      const [title, question, answer] = rand.pick(TOPICS);
      const responderIsAgent = channel.responderId !== squad.identityId;
      const chat = await insertChat(trx, {
        workspaceId: ws,
        channelId: channel.id,
        ownerId,
        responderId: channel.responderId,
        currentResponderId: responderIsAgent ? channel.responderId : null,
        responderVersionId:
          channel.responderId === support.identityId ? (i % 3 === 0 ? support.currentVersionId : supportV2.id)
          : channel.responderId === sales.identityId ? sales.currentVersionId
          : channel.responderId === voice.identityId ? voice.currentVersionId
          : null,
        title: i % 9 === 0 ? null : title,
        createdAt,
      });
      const n = String(10_000 + i);
      const turns = rand.int(1, 6);
      const messages: NewMessageInput[] = [];
      let at = createdAt.getTime();
      for (let t = 0; t < turns; t++) {
        const userText = t === 0 ? question.replace('{n}', n) : rand.pick(FOLLOW_UPS);
        const botText = t === 0 ? answer.replace('{n}', n) : rand.pick(FOLLOW_UP_ANSWERS);
        at += rand.int(5, 600) * 1000;
        messages.push({ role: 'user' as const, content: userText, authorId: ownerId, createdAt: new Date(Math.min(at, now.getTime())) });
        if (t < turns - 1 || rand.next() < 0.8) {
          at += rand.int(2, 30) * 1000;
          const inputTokens = 200 + extra.int(0, 1800);
          messages.push({
            role: 'assistant' as const, content: botText, authorId: channel.responderId, createdAt: new Date(Math.min(at, now.getTime())), intentName: title.toLowerCase().replace(/ /g, '_'), intentScore: Math.round((0.6 + rand.next() * 0.4) * 100) / 100,
            model: modelOf.get(channel.responderId) ?? 'gpt-4o-mini', inputTokens, outputTokens: extra.int(15, 220), cachedInputTokens: t > 0 ? Math.floor(inputTokens / 2) : 0, reasoningTokens: 0,
            tools: t === 0 && extra.next() < 0.3 ? [TOOLS[1]!] : [],
            // Some answers looked something up first: their tool calls feed the tool-call-names endpoint.
            toolCalls: extra.next() < 0.25 ? [{ id: `call_${i}_${t}`, name: extra.pick(DEMO_TOOLS), arguments: { reference: n } }] : [],
          });
        }
      }
      await appendMessages(trx, ws, chat.id, messages);
      // The org inbox attributes: older chats are mostly resolved, a few are assigned, pinned or shared.
      const ageDays = (now.getTime() - createdAt.getTime()) / dayMs;
      const state = ageDays < 3 ? (extra.next() < 0.2 ? 'SNOOZED' : 'OPEN') : extra.next() < 0.85 ? 'CLOSED' : 'OPEN';
      const assignee = extra.next() < 0.3 ? extra.pick(users) : undefined;
      const shared = extra.next() < 0.05;
      await updateOrgChatAttributes(trx, ws, chat.id, {
        model: modelOf.get(channel.responderId) ?? 'gpt-4o-mini',
        conversationId: channel.type === 'whatsapp' || channel.type === 'waha' ? `wamid.${chat.number}` : null,
        link: channel.type === 'instagram' ? `https://instagram.com/direct/t/${chat.number}` : null,
        ownerSessionId: channel.type === 'widget' ? `sess_${chat.id.slice(0, 8)}` : null,
        tools: channel.type === 'voice' ? [] : TOOLS.slice(0, extra.int(1, 3)),
        features: extra.next() < 0.5 ? { web_search: {}, reasoning: { effort: extra.pick(['low', 'medium', 'high']) } } : {},
        state,
        status: state === 'CLOSED' ? (extra.next() < 0.05 ? 'FAILED' : 'COMPLETED') : 'RUNNING',
        aiEnabled: extra.next() < 0.9,
        isPinned: extra.next() < 0.03,
        visibility: shared ? 'PUBLIC_READ' : 'PRIVATE',
        sharedUrl: shared ? `https://share.parley.test/c/${chat.id.slice(0, 8)}` : null,
        assignedMemberId: assignee?.id ?? null,
        assignedAt: assignee ? new Date(createdAt.getTime() + 5 * 60_000) : null,
      });
      if (assignee) {
        await insertParticipant(trx, { chatId: chat.id, memberId: assignee.id, role: 'contributor' });
        // Assignees have read their older chats; the newest ones stay unread.
        if (ageDays > 2) await setChatReadMarker(trx, chat.id, assignee.identityId, now);
      }
      // The v2 inbox flags: open chats whose last word is the customer's wait for an answer.
      await updateChatInbox(trx, ws, chat.id, {
        chatType: i % 25 === 0 ? 'testing' : i % 17 === 0 ? 'manager' : i % 13 === 0 ? 'dm' : 'assignment',
        isTest: i % 25 === 0,
        isArchived: state === 'CLOSED' && ageDays > 45 && i % 3 === 0,
        needsResponse: state !== 'CLOSED' && messages.at(-1)?.role === 'user',
        isPaused: i % 31 === 0,
      });
      if (i % 6 === 0) {
        await openTicketForChat(trx, { workspaceId: ws, chatId: chat.id, status: rand.pick<TicketStatus>(['open', 'pending', 'resolved', 'closed']), subject: title });
      }
    }

    const { token } = await createApiKey(trx, { workspaceId: ws, memberId: admin.id, scopes: [...SCOPES], name: 'Demo key (every scope)', token: options.apiKey });
    return { workspaceId: ws, adminMemberId: admin.id, apiKey: token, chats: chatCount };
  });
}

/**
 * Makes sure `token` (DEMO_API_KEY) works on an already seeded database: creates it for the demo
 * workspace's admin with every scope unless it exists. A different key under the same id is refused.
 */
export async function ensureDemoApiKey(db: Kysely<Database>, token: string): Promise<void> {
  try {
    await authenticate(db, token);
    return;
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'unauthorized') throw err;
  }
  const workspace = await findOldestWorkspace(db);
  const admin = workspace && (await findWorkspaceAdmin(db, workspace.id));
  if (!workspace || !admin) throw new AppError('not_found', 'No demo workspace to attach DEMO_API_KEY to');
  try {
    await createApiKey(db, { workspaceId: workspace.id, memberId: admin.id, scopes: [...SCOPES], name: 'Demo key (DEMO_API_KEY)', token });
  } catch (err) {
    throw new AppError('conflict', 'DEMO_API_KEY has the id of an existing key but another secret; choose another value', { cause: err });
  }
}

/**
 * The demo key holds every scope, including those a release added after it was made (`keys:admin`).
 * Only a key whose secret is `token` is changed; a key that does not authenticate is left alone.
 */
export async function grantDemoKeyEveryScope(db: Kysely<Database>, token: string): Promise<void> {
  let principal;
  try {
    principal = await authenticate(db, token);
  } catch (err) {
    if (err instanceof AppError && (err.code === 'unauthorized' || err.code === 'key_expired')) return;
    throw err;
  }
  if (SCOPES.some((s) => !principal.scopes.has(s))) await setApiKeyScopes(db, principal.keyId, [...SCOPES]);
}
