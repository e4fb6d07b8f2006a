import {
  type ChannelType,
  countWorkspaces,
  type Database,
  findOldestWorkspace,
  openTicketForChat,
  setApiKeyScopes,
  setChatReadMarker,
  type TicketStatus,
  updateChatInbox,
  updateOrgChatAttributes,
} from '@parley/db';
import type { Kysely } from 'kysely';
import {
  addParticipant,
  addWorkspaceUser,
  AppError,
  authenticate,
  createApiKey,
  createAssistant,
  createChannel,
  createChat,
  createContact,
  createLabel,
  createSquad,
  createTool,
  createVersion,
  findWorkspaceAdmin,
  type Providers,
  provisionWorkspace,
  recordCall,
  recordChatMessage,
  SCOPES,
  sendAssistantMessage,
  setWorkspaceDefaultResponder,
  updateWorkspaceChat,
} from '@parley/core';

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
const ORG_TOOLS = [
  { name: 'search_kb', display_name: 'Search knowledge base', description: 'Finds answers in the help center', icon: 'ToolSearchKbIcon', parameters: { type: 'object', properties: { query: { type: 'string' } } }, enabled_by_default: true },
  { name: 'order_lookup', display_name: 'Look up order', action_name: 'shop.orders.get', description: 'Reads an order by number', icon: 'ConnectionHttpIcon', connection_id: 'conn_shop', parameters: { type: 'object', properties: { number: { type: 'string' } } }, enabled_by_default: true },
  { name: 'web_search', display_name: 'Web search', description: 'Searches the web', icon: 'ToolWebSearchIcon', parameters: {}, enabled_by_default: false },
];

/** The demo's chat tools: each answers at `/demo/tools/{name}` of the local server (demoToolAnswer). */
export const DEMO_TOOLS = [
  { name: 'lookup_order', description: 'Reads an order by its number: status and expected delivery', inputSchema: { type: 'object', properties: { number: { type: 'string' } }, required: ['number'] } },
  { name: 'check_stock', description: 'Tells whether a product is in stock', inputSchema: { type: 'object', properties: { product: { type: 'string' } }, required: ['product'] } },
  { name: 'create_ticket', description: 'Opens a support ticket for the chat', inputSchema: { type: 'object', properties: { subject: { type: 'string' } }, required: ['subject'] } },
  { name: 'book_appointment', description: 'Books an appointment slot', inputSchema: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] } },
  { name: 'refund_payment', description: 'Starts the refund of a payment', inputSchema: { type: 'object', properties: { reference: { type: 'string' } }, required: ['reference'] } },
] as const;

/** The label definitions summaries choose from and chats carry. */
const DEMO_LABELS = [
  ['billing', 'Invoices, payments and refunds'],
  ['shipping', 'Orders on their way, delivery addresses'],
  ['account', 'Logins and passwords'],
  ['sales', 'Questions before buying'],
  ['urgent', 'Needs an answer today'],
  ['vip', 'A customer of the loyalty programme'],
] as const;
const LABELS_OF_TOPIC: Record<string, string[]> = {
  'Order status': ['shipping'], 'Refund request': ['billing'], 'Opening hours': [], 'Password reset': ['account'],
  'Delivery address': ['shipping'], 'Appointment booking': ['sales'], 'Invoice copy': ['billing'], 'Product question': ['sales'],
};
/** The steps of the voice flow: messages record them, calls end in one. */
const VOICE_STEPS = ['greeting', 'identify_caller', 'collect_reason', 'resolve', 'transfer'] as const;

export interface DemoWorkspace {
  workspaceId: string;
  adminMemberId: number;
  apiKey: string;
  chats: number;
  /** SMS and email chats whose owner can be reached: where seedDemoTools sends its assistant messages. */
  deliverable: number[];
}

type Db = Kysely<Database>;

/**
 * Seeds the demo workspace unless the database already has a workspace; returns undefined when nothing
 * was seeded. Everything the API can write is written through the core functions its endpoints call
 * (members, assistants and versions, a squad, channels, contacts, labels, chats, messages with their
 * statistics metadata, calls, participants, chat changes), as the demo key's admin: the demo shows what
 * the API makes, and changes that record events record them here too. Only what no endpoint writes (the
 * attributes a channel integration supplies: org inbox fields, chat types, tickets, read markers) goes
 * through the repositories. The chat tools come after the server listens (seedDemoTools): their callbacks
 * are its URLs.
 */
export async function seedDemoWorkspace(db: Db, options: { apiKey?: string; chats?: number; now?: Date; log?: (line: string) => void } = {}): Promise<DemoWorkspace | undefined> {
  if ((await countWorkspaces(db)) > 0) return undefined;
  options.log?.('First start: creating the demo workspace (about half a minute)…');
  const rand = prng(42);
  const extra = prng(7);
  const now = options.now ?? new Date();
  const chatCount = options.chats ?? 200;

  const { workspace, admin } = await provisionWorkspace(db, { name: 'Parley Demo', timeZone: 'Europe/Berlin', adminName: 'Ada Admin', adminEmail: 'ada@demo.parley.test' });
  const ws = workspace.id;
  const { token } = await createApiKey(db, { workspaceId: ws, memberId: admin.id, scopes: [...SCOPES], name: 'Demo key (every scope)', token: options.apiKey });
  const principal = await authenticate(db, token);

  const users = [admin];
  for (const [name, email] of [['Bruno Agent', 'bruno@demo.parley.test'], ['Carla Support', 'carla@demo.parley.test'], ['Dev Lead', 'dev@demo.parley.test']] as const) {
    users.push(await addWorkspaceUser(db, principal, { name, email, role: 'member' }));
  }

  const assistant = async (name: string, pictureUrl: string | null, config: Record<string, unknown>) => (await createAssistant(db, principal, { name, pictureUrl, config })).value;
  const sales = await assistant('Sales Assistant', 'https://picsum.photos/seed/sales/96', { model: 'gpt-4o-mini', language: 'auto', knowledge_scope: 'all', conversation: { thread_mode: 'continue', enable_memories: true, enable_transfer_to_human_tool: true, welcome_banner: 'Hi! Looking for something?', suggested_messages: ['Track my order', 'Talk to sales'] } });
  const support = await assistant('Support Assistant', 'https://picsum.photos/seed/support/96', { model: 'gpt-4o', language: 'en' });
  const voice = await assistant('Voice Receptionist', null, { model: 'gpt-4o-realtime', tts: { model: 'tts-1', voice_id: 'alloy' }, stt: { model: 'whisper-1' } });
  const squad = (await createSquad(db, principal, { name: 'Frontline Squad', assistantIds: [sales.id, support.id] })).value;
  await setWorkspaceDefaultResponder(db, principal, support.id);

  const channelSpecs: Array<[ChannelType, string, string]> = [
    ['widget', 'Website widget', squad.id],
    ['whatsapp', 'WhatsApp Business', sales.id],
    ['waha', 'WhatsApp (WAHA)', support.id],
    ['instagram', 'Instagram DMs', sales.id],
    ['api', 'Public API', support.id],
    ['sms', 'SMS line', support.id],
    ['email', 'Support inbox', support.id],
    ['voice', 'Phone line', voice.id],
  ];
  const channels = [];
  for (const [type, name, responderId] of channelSpecs) channels.push((await createChannel(db, principal, { type, name, responderId })).value);

  const contacts: string[] = [];
  const blocked = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const name = `${rand.pick(FIRST)} ${rand.pick(LAST)}`;
    const phone = `+4915${String(10000000 + i * 7919).slice(0, 8)}`;
    const contact = await createContact(db, principal, {
      name,
      identifier: phone,
      email: `${name.toLowerCase().replace(' ', '.')}${i}@example.com`,
      phone,
      isBlocked: i % 19 === 7,
      isAnonymous: i % 10 === 3,
      country: rand.pick(['DE', 'US', 'ES', 'FR', 'BR']),
      language: rand.pick(['de', 'en', 'es', 'fr', 'pt']),
      // The contact's presence on its channel (org chats' contact_channel).
      handle: `@${name.toLowerCase().replace(' ', '_')}`,
      ip: `198.51.100.${10 + i}`,
      userAgent: extra.pick(['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'WhatsApp/2.24']),
      link: i % 4 === 0 ? `https://instagram.com/${name.toLowerCase().replace(' ', '.')}` : null,
    });
    contacts.push(contact.value.id);
    if (contact.value.isBlocked) blocked.add(contact.value.id);
  }
  for (const [name, description] of DEMO_LABELS) await createLabel(db, principal, { name, description });

  const dayMs = 86_400_000;
  const modelOf = new Map([[sales.id, 'gpt-4o-mini'], [support.id, 'gpt-4o'], [voice.id, 'gpt-4o-realtime']]);
  // Chats in the order they began, so the support assistant's second version answers the newer half.
  const starts = Array.from({ length: chatCount }, () => new Date(now.getTime() - rand.next() * 60 * dayMs)).sort((a, b) => a.getTime() - b.getTime());
  const versionSwitch = starts[Math.floor(chatCount / 2)]?.getTime() ?? 0;
  let switched = false;
  const deliverable: number[] = [];
  for (let i = 0; i < chatCount; i++) {
    const createdAt = starts[i]!;
    if (!switched && createdAt.getTime() >= versionSwitch) {
      await createVersion(db, principal, support.id, { config: { model: 'gpt-4o', language: 'en', instructions: 'Be brief.', knowledge_scope: 'restricted', stt: { model: 'nova-2' } }, makeCurrent: true });
      switched = true;
    }
    const channel = rand.pick(channels);
    const ownerId = i % 15 === 0 ? rand.pick(users).identityId : rand.pick(contacts);
    const [title, question, answer] = rand.pick(TOPICS);
    const chat = (await createChat(db, principal, { channelId: channel.id, ownerId, title: i % 9 === 0 ? null : title, createdAt })).value;
    if ((channel.type === 'sms' || channel.type === 'email') && contacts.includes(ownerId) && !blocked.has(ownerId)) deliverable.push(chat.number);
    const language = extra.pick(['en', 'en', 'de', 'es', 'fr']);
    const isVoice = channel.type === 'voice';
    const n = String(10_000 + i);
    const turns = rand.int(1, 6);
    let at = createdAt.getTime();
    let lastRole: 'user' | 'assistant' = 'user';
    const record = (message: Parameters<typeof recordChatMessage>[3]) => recordChatMessage(db, principal, chat.number, message);
    for (let t = 0; t < turns; t++) {
      at += rand.int(5, 600) * 1000;
      await record({ role: 'user', content: t === 0 ? question.replace('{n}', n) : rand.pick(FOLLOW_UPS), createdAt: new Date(Math.min(at, now.getTime())), ...(t === 0 && { language }) });
      lastRole = 'user';
      if (t < turns - 1 || rand.next() < 0.8) {
        at += rand.int(2, 30) * 1000;
        const inputTokens = 200 + extra.int(0, 1800);
        await record({
          role: 'assistant',
          content: t === 0 ? answer.replace('{n}', n) : rand.pick(FOLLOW_UP_ANSWERS),
          createdAt: new Date(Math.min(at, now.getTime())),
          intent: { name: title.toLowerCase().replace(/ /g, '_'), score: Math.round((0.6 + rand.next() * 0.4) * 100) / 100 },
          // Flows record the step each answer came from: the voice flow always, the others now and then.
          ...((isVoice || extra.next() < 0.2) && { step: VOICE_STEPS[Math.min(t, VOICE_STEPS.length - 2)] }),
          model: modelOf.get(channel.responder.id) ?? 'gpt-4o-mini',
          usage: { inputTokens, outputTokens: extra.int(15, 220), cachedInputTokens: t > 0 ? Math.floor(inputTokens / 2) : 0, reasoningTokens: 0 },
        });
        lastRole = 'assistant';
      }
    }
    if (isVoice) {
      const transferred = extra.next() < 0.25;
      const seconds = extra.int(25, 600);
      await recordCall(db, principal, chat.number, {
        direction: extra.next() < 0.8 ? 'inbound' : 'outbound',
        startedAt: createdAt,
        endedAt: new Date(Math.min(createdAt.getTime() + seconds * 1000, now.getTime())),
        outcome: transferred ? 'transferred' : extra.pick(['completed', 'completed', 'caller_hung_up', 'no_answer']),
        exitStep: transferred ? 'transfer' : VOICE_STEPS[Math.min(turns - 1, VOICE_STEPS.length - 2)]!,
        transferTarget: transferred ? extra.pick(['sales_desk', 'billing_team', 'duty_manager']) : null,
        userInputs: turns,
      });
    }

    // The inbox: older chats are mostly closed, a few assigned; open chats whose last word is the
    // customer's wait for an answer; the topic's labels on about half of them.
    const ageDays = (now.getTime() - createdAt.getTime()) / dayMs;
    const state = ageDays < 3 ? (extra.next() < 0.2 ? 'SNOOZED' : 'OPEN') : extra.next() < 0.85 ? 'CLOSED' : 'OPEN';
    const assignee = extra.next() < 0.3 ? extra.pick(users) : undefined;
    const labels = extra.next() < 0.5 ? [...(LABELS_OF_TOPIC[title] ?? []), ...(extra.next() < 0.15 ? ['urgent'] : []), ...(extra.next() < 0.1 ? ['vip'] : [])] : [];
    await updateWorkspaceChat(db, principal, chat.number, {
      state,
      needsResponse: state !== 'CLOSED' && lastRole === 'user',
      archived: state === 'CLOSED' && ageDays > 45 && i % 3 === 0,
      paused: i % 31 === 0,
      ...(labels.length > 0 && { labels }),
      ...(state === 'CLOSED' && i % 4 === 0 && { summary: `${title}: ${question.replace('{n}', n)} ${answer.replace('{n}', n)}` }),
      ...(assignee && { assignedMemberId: assignee.id }),
    });
    if (assignee) {
      await addParticipant(db, principal, chat.number, { memberId: assignee.id, role: 'contributor' });
      // Assignees have read their older chats; the newest ones stay unread.
      if (ageDays > 2) await setChatReadMarker(db, chat.id, assignee.identityId, now);
    }
    await integrationAttributes(db, ws, chat, { i, channelType: channel.type, model: modelOf.get(channel.responder.id) ?? 'gpt-4o-mini', state, title, extra, rand });
  }
  return { workspaceId: ws, adminMemberId: admin.id, apiKey: token, chats: chatCount, deliverable };
}

/** What a channel integration supplies and no endpoint writes: the org inbox fields, the chat's type, a ticket. */
async function integrationAttributes(
  db: Db,
  ws: string,
  chat: { id: string; number: number },
  c: { i: number; channelType: ChannelType; model: string; state: string; title: string; extra: ReturnType<typeof prng>; rand: ReturnType<typeof prng> },
): Promise<void> {
  const { i, extra } = c;
  const shared = extra.next() < 0.05;
  await updateOrgChatAttributes(db, ws, chat.id, {
    model: c.model,
    conversationId: c.channelType === 'whatsapp' || c.channelType === 'waha' ? `wamid.${chat.number}` : null,
    link: c.channelType === 'instagram' ? `https://instagram.com/direct/t/${chat.number}` : null,
    ownerSessionId: c.channelType === 'widget' ? `sess_${chat.id.slice(0, 8)}` : null,
    tools: c.channelType === 'voice' ? [] : ORG_TOOLS.slice(0, extra.int(1, 3)),
    features: extra.next() < 0.5 ? { web_search: {}, reasoning: { effort: extra.pick(['low', 'medium', 'high']) } } : {},
    status: c.state === 'CLOSED' ? (extra.next() < 0.05 ? 'FAILED' : 'COMPLETED') : 'RUNNING',
    aiEnabled: extra.next() < 0.9,
    isPinned: extra.next() < 0.03,
    visibility: shared ? 'PUBLIC_READ' : 'PRIVATE',
    sharedUrl: shared ? `https://share.parley.test/c/${chat.id.slice(0, 8)}` : null,
  });
  await updateChatInbox(db, ws, chat.id, { chatType: i % 25 === 0 ? 'testing' : i % 17 === 0 ? 'manager' : i % 13 === 0 ? 'dm' : 'assignment', isTest: i % 25 === 0 });
  if (i % 6 === 0) await openTicketForChat(db, { workspaceId: ws, chatId: chat.id, status: c.rand.pick<TicketStatus>(['open', 'pending', 'resolved', 'closed']), subject: c.title });
}

/**
 * The demo's chat tools, which call back to this server (`baseUrl`/demo/tools/{name}), and a few
 * assistant messages on SMS and email chats that used them: what the tool-call statistics and
 * `send-assistant-message` show on a fresh start. Runs once, right after the first start's server listens.
 */
export async function seedDemoTools(db: Db, providers: Providers, demo: { apiKey: string; baseUrl: string; deliverable: number[] }): Promise<number> {
  const principal = await authenticate(db, demo.apiKey);
  for (const tool of DEMO_TOOLS) {
    await createTool(db, principal, { name: tool.name, description: tool.description, callbackUrl: `${demo.baseUrl}/demo/tools/${tool.name}`, inputSchema: tool.inputSchema, timeoutMs: 5_000 });
  }
  const targets = demo.deliverable.slice(-10);
  const pick = prng(11);
  let sent = 0;
  for (const chatNumber of targets) {
    const tool = DEMO_TOOLS[sent % DEMO_TOOLS.length]!;
    const argument = Object.keys(tool.inputSchema.properties)[0]!;
    await sendAssistantMessage(db, providers, principal, chatNumber, {
      message: pick.pick(['I checked that for you: it is all set.', 'Done. Anything else I can help with?', 'Here is what I found; I have also sent it by email.']),
      toolCalls: [{ name: tool.name, arguments: { [argument]: String(10_000 + chatNumber) } }],
    });
    sent++;
  }
  return sent;
}

/** What a demo tool answers: made-up but plausible results, the same for the same arguments. */
export function demoToolAnswer(name: string, args: Record<string, unknown>): Record<string, unknown> | undefined {
  const ref = String(Object.values(args)[0] ?? '');
  switch (name) {
    case 'lookup_order': return { number: ref, status: 'shipped', expectedDelivery: 'in 2 days' };
    case 'check_stock': return { product: ref, inStock: ref.length % 2 === 0, quantity: ref.length * 3 };
    case 'create_ticket': return { ticket: `T-${ref.length * 1000 + 17}`, subject: ref };
    case 'book_appointment': return { day: ref, slot: '11:00', confirmed: true };
    case 'refund_payment': return { reference: ref, refund: 'started', days: 5 };
    default: return undefined;
  }
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
