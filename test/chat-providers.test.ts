import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLazyProviders, markdownToHtml, parseConfig, ProviderError, transcriptWindow } from '@parley/core';
import {
  buildSummaryPrompt,
  createHttpToolInvoker,
  createOpenAiSummarizer,
  createProviders,
  createSmtpEmail,
  createTwilioSms,
  summarizeExtractively,
} from '@parley/core/providers';
import { insertChannel, insertChat, insertLabel, insertUser, listDeliveries } from '@parley/db';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace } from './harness/workspace.js';
import { sendJson, startHttpStub } from './support/http-stub.js';

// The adapters against local servers speaking each provider's protocol, then through the API.

const t = useTestDb();

describe('Twilio SMS adapter', () => {
  let twilio: Awaited<ReturnType<typeof startHttpStub>>;
  beforeAll(async () => {
    twilio = await startHttpStub((req, res) => {
      const form = new URLSearchParams(req.body);
      if (form.get('To') === '+15559999') return sendJson(res, 400, { code: 21211, message: "The 'To' number +15559999 is not a valid phone number.", more_info: 'https://example.test/21211', status: 400 });
      if (form.get('To') === '+15558888') return void res.writeHead(503, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
      sendJson(res, 201, { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued', to: form.get('To'), body: form.get('Body') });
    });
  });
  afterAll(() => twilio.close());

  const sms = (overrides: Partial<Parameters<typeof createTwilioSms>[0]> = {}) =>
    createTwilioSms({ baseUrl: `${twilio.url}/`, accountSid: 'AC123', authToken: 's3cret', from: '+15550000', timeoutMs: 2000, ...overrides });

  it('POSTs a form-encoded message to the account Messages resource with basic auth', async () => {
    const result = await sms().send({ to: '+15550001', body: 'Hello & welcome, ünïcode ✓' });
    expect(result).toEqual({ status: 'sent', providerMessageId: 'SM0123456789abcdef0123456789abcdef' });
    const req = twilio.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('AC123:s3cret').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ To: '+15550001', From: '+15550000', Body: 'Hello & welcome, ünïcode ✓' });
  });

  it('sends through a messaging service when one is configured', async () => {
    await sms({ from: undefined, messagingServiceSid: 'MG42' }).send({ to: '+15550001', body: 'x' });
    expect(Object.fromEntries(new URLSearchParams(twilio.requests.at(-1)!.body))).toEqual({ To: '+15550001', MessagingServiceSid: 'MG42', Body: 'x' });
  });

  it("reports Twilio's error code and message, non-JSON errors and unreachable servers", async () => {
    await expect(sms().send({ to: '+15559999', body: 'x' })).rejects.toMatchObject({ provider: 'twilio', reason: "error 21211: The 'To' number +15559999 is not a valid phone number." });
    await expect(sms().send({ to: '+15558888', body: 'x' })).rejects.toMatchObject({ reason: 'HTTP 503: <html>Service Unavailable</html>' });
    await expect(sms({ baseUrl: 'http://127.0.0.1:9' }).send({ to: '+15550001', body: 'x' })).rejects.toBeInstanceOf(ProviderError);
  });

  it('delivers assistant messages through the API', async () => {
    const config = parseConfig({ SMS_PROVIDER: 'twilio', TWILIO_BASE_URL: twilio.url, TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 's3cret', TWILIO_FROM: '+15550000' });
    const ws = await createTestWorkspace(t.db, { providers: createProviders(config.providers) });
    const chat = await insertChat(t.db, { workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: null });
    const res = await ws.request(`/api/v2/w/${ws.workspace.id}/chats/${chat.number}/send-assistant-message`, { method: 'POST', body: { message: 'Your code is 1234' } });
    expect(res.status).toBe(200);
    expect((await res.json()).delivery).toEqual({ channel: 'sms', provider: 'twilio', recipient: '+15550001', status: 'sent', providerMessageId: 'SM0123456789abcdef0123456789abcdef' });
    expect(new URLSearchParams(twilio.requests.at(-1)!.body).get('Body')).toBe('Your code is 1234');
    expect(await listDeliveries(t.db, ws.workspace.id)).toMatchObject([{ provider: 'twilio', status: 'sent', providerMessageId: 'SM0123456789abcdef0123456789abcdef' }]);
  });
});

describe('SMTP email adapter', () => {
  interface Received {
    from: string;
    to: string[];
    user?: string;
    raw: string;
  }
  const received: Received[] = [];
  let server: SMTPServer;
  let port: number;
  beforeAll(async () => {
    server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === 'pw') return callback(null, { user: 'mailer' });
        callback(new Error('Invalid username or password'));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@nowhere.test')) {
          const err = new Error('No such mailbox') as Error & { responseCode: number };
          err.responseCode = 550;
          return callback(err);
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const email = (overrides: Partial<Parameters<typeof createSmtpEmail>[0]> = {}) =>
    createSmtpEmail({ host: '127.0.0.1', port, secure: false, user: 'mailer', password: 'pw', from: 'Parley <bot@parley.test>', timeoutMs: 5000, ...overrides });

  it('sends a multipart message with the markdown as text and rendered HTML, authenticated', async () => {
    const result = await email().send({ to: 'erin@example.test', subject: 'Re: Refund', text: 'Your refund is **approved**.', html: markdownToHtml('Your refund is **approved**.') });
    expect(result.status).toBe('sent');
    expect(result.providerMessageId).toMatch(/^<.+@.+>$/);
    const mail = received.at(-1)!;
    expect(mail).toMatchObject({ from: 'bot@parley.test', to: ['erin@example.test'], user: 'mailer' });
    expect(mail.raw).toMatch(/^Subject: Re: Refund$/m);
    expect(mail.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail.raw).toMatch(/Content-Type: text\/html/);
    expect(mail.raw).toContain('<strong>approved</strong>');
  });

  it("reports the server's refusal", async () => {
    await expect(email().send({ to: 'ghost@nowhere.test', subject: 's', text: 't', html: '<p>t</p>' })).rejects.toMatchObject({ provider: 'smtp', reason: expect.stringMatching(/550.*No such mailbox/) });
    await expect(email({ password: 'wrong' }).send({ to: 'erin@example.test', subject: 's', text: 't', html: 't' })).rejects.toMatchObject({ reason: expect.stringMatching(/Invalid username or password/) });
  });

  it('reports an unreachable server without its address (clients see the reason)', async () => {
    const refused = await email({ port: 9 }).send({ to: 'erin@example.test', subject: 's', text: 't', html: 't' }).catch((err: unknown) => err as ProviderError);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as ProviderError).reason).toMatch(/^could not reach the SMTP server \(E[A-Z]+\)$/);
  });

  it('delivers assistant messages of email chats through the API', async () => {
    const config = parseConfig({ EMAIL_PROVIDER: 'smtp', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_USER: 'mailer', SMTP_PASSWORD: 'pw', EMAIL_FROM: 'Support <support@parley.test>' });
    const ws = await createTestWorkspace(t.db, { providers: createProviders(config.providers) });
    const channel = await insertChannel(t.db, { workspaceId: ws.workspace.id, type: 'email', name: 'Mail', responderId: ws.agent.identityId });
    const owner = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Erin', email: 'erin@example.test' });
    const chat = await insertChat(t.db, { workspaceId: ws.workspace.id, channelId: channel.id, ownerId: owner.identityId, responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'Invoice' });
    const path = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}/send-assistant-message`;
    const res = await ws.request(path, { method: 'POST', body: { message: 'Here is a list:\n\n- one\n- two' } });
    expect(res.status).toBe(200);
    expect((await res.json()).delivery).toMatchObject({ channel: 'email', provider: 'smtp', status: 'sent', recipient: 'erin@example.test' });
    const mail = received.at(-1)!;
    expect(mail.from).toBe('support@parley.test');
    expect(mail.raw).toMatch(/^Subject: Re: Invoice$/m);
    expect(mail.raw).toContain('<li>one</li>');

    const refused = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Ghost', email: 'ghost@nowhere.test' });
    const ghostChat = await insertChat(t.db, { workspaceId: ws.workspace.id, channelId: channel.id, ownerId: refused.identityId, responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: null });
    const failed = await ws.request(`/api/v2/w/${ws.workspace.id}/chats/${ghostChat.number}/send-assistant-message`, { method: 'POST', body: { message: 'Hello?' } });
    expect(failed.status).toBe(500);
    expect((await failed.json()).error.message).toMatch(/Failed to send email via smtp: .*550/);
  });
});

describe('OpenAI-compatible summarizer', () => {
  type Completion = { status?: number; content?: string | null; raw?: string };
  let next: Completion = {};
  let llm: Awaited<ReturnType<typeof startHttpStub>>;
  beforeAll(async () => {
    llm = await startHttpStub((_req, res) => {
      if (next.raw !== undefined) return void res.writeHead(next.status ?? 200, { 'content-type': 'application/json' }).end(next.raw);
      if ((next.status ?? 200) >= 400) return sendJson(res, next.status!, { error: { message: 'The server is overloaded', type: 'server_error' } });
      sendJson(res, 200, { id: 'chatcmpl-1', object: 'chat.completion', model: 'test-model', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: next.content } }] });
    });
  });
  afterAll(() => llm.close());

  const summarizer = () => createOpenAiSummarizer({ baseUrl: `${llm.url}/v1`, apiKey: 'sk-test', model: 'test-model', timeoutMs: 2000 });
  const request = {
    title: 'Old title',
    messages: [
      { role: 'user' as const, content: 'I was charged twice.', createdAt: new Date('2026-11-20T10:00:00Z') },
      { role: 'assistant' as const, content: 'Refund started.', createdAt: new Date('2026-11-20T10:01:00Z') },
    ],
    omittedMessages: 3,
    labels: [{ name: 'billing', description: 'Payments and invoices', keywords: ['invoice'] }],
  };

  it('asks the chat-completions endpoint for a JSON summary and parses it', async () => {
    next = { content: '```json\n{"title": "Double charge refunded", "summary": "The customer was charged twice; a refund was started.", "labels": ["billing"]}\n```' };
    const result = await summarizer().summarize(request);
    expect(result).toEqual({ title: 'Double charge refunded', summary: 'The customer was charged twice; a refund was started.', labels: ['billing'] });
    const req = llm.requests.at(-1)!;
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ model: 'test-model', temperature: 0, response_format: { type: 'json_object' } });
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0].content).toContain('- billing: Payments and invoices (keywords: invoice)');
    expect(body.messages[1].content).toContain('(3 earlier messages left out for length)');
    expect(body.messages[1].content).toContain('[2026-11-20T10:00:00.000Z] user: I was charged twice.');
  });

  it('fails with a reason on HTTP errors, missing completions and answers that are not the JSON asked for', async () => {
    next = { status: 503 };
    await expect(summarizer().summarize(request)).rejects.toMatchObject({ reason: 'HTTP 503: The server is overloaded' });
    next = { content: null };
    await expect(summarizer().summarize(request)).rejects.toMatchObject({ reason: expect.stringMatching(/no completion/) });
    next = { content: 'Sure! Here is a summary: they were charged twice.' };
    await expect(summarizer().summarize(request)).rejects.toMatchObject({ reason: expect.stringMatching(/did not answer with JSON/) });
    next = { content: '{"title": "x"}' };
    await expect(summarizer().summarize(request)).rejects.toMatchObject({ reason: expect.stringMatching(/lacks a title or summary/) });
    next = { raw: 'not json', status: 200 };
    await expect(summarizer().summarize(request)).rejects.toBeInstanceOf(ProviderError);
  });

  it('summarizes through the API: title, summary and only defined labels; a failure changes nothing', async () => {
    const config = parseConfig({ SUMMARIZER: 'openai', OPENAI_BASE_URL: `${llm.url}/v1`, OPENAI_MODEL: 'test-model', SUMMARY_MAX_INPUT_CHARS: '500' });
    const ws = await createTestWorkspace(t.db, { providers: createProviders(config.providers) });
    await insertLabel(t.db, { workspaceId: ws.workspace.id, name: 'billing' });
    const chat = await insertChat(t.db, { workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: null });
    const base = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}`;
    for (let i = 0; i < 20; i++) await ws.request(`${base}/messages`, { method: 'POST', body: { role: i % 2 ? 'assistant' : 'user', content: `Message number ${i} ${'about the invoice '.repeat(3)}` } });

    next = { content: JSON.stringify({ title: 'Invoice questions', summary: 'Twenty messages about an invoice.', labels: ['billing', 'made-up'] }) };
    const res = await ws.request(`${base}/summarize?update_labels=true`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ title: 'Invoice questions', summary: 'Twenty messages about an invoice.', labels: ['billing'] });
    // The 500-character budget keeps only the latest messages, and says how many were left out.
    const prompt = JSON.parse(llm.requests.at(-1)!.body).messages[1].content as string;
    expect(prompt).toContain('Message number 19');
    expect(prompt).not.toContain('Message number 0 ');
    expect(prompt).toMatch(/\((1[0-9]) earlier messages left out for length\)/);

    next = { status: 500 };
    const failed = await ws.request(`${base}/summarize?update_labels=true`, { method: 'POST' });
    expect(failed.status).toBe(500);
    expect((await failed.json()).error.message).toBe('AI summarization failed: HTTP 500: The server is overloaded. The chat was not changed.');
    const list = await (await ws.request(`/api/v2/w/${ws.workspace.id}/chats`)).json();
    expect(list.chats[0]).toMatchObject({ title: 'Invoice questions', labels: ['billing'] });
  });
});

describe('extractive summarizer', () => {
  const at = (i: number) => new Date(Date.UTC(2026, 10, 20, 10, i));
  const messages = [
    { role: 'user' as const, content: 'Hello!', createdAt: at(0) },
    { role: 'user' as const, content: 'My parcel with the new headphones never arrived. The tracking page says the parcel is lost.', createdAt: at(1) },
    { role: 'assistant' as const, content: 'I am sorry. I checked the tracking and the carrier lost the parcel. I will send new headphones today.', createdAt: at(2) },
    { role: 'note' as const, content: 'Escalate billing dispute internally.', createdAt: at(3) },
    { role: 'user' as const, content: 'Great, thanks.', createdAt: at(4) },
  ];
  const labels = [
    { name: 'shipping', description: null, keywords: ['parcel', 'tracking number', 'carrier'] },
    { name: 'billing', description: null, keywords: ['invoice', 'billing'] },
    { name: 'Headphones', description: null, keywords: [] },
    { name: 'lost', description: null, keywords: ['los'] },
  ];

  it('is deterministic, extracts the most informative sentences in order, and titles from the customer', () => {
    const a = summarizeExtractively({ title: null, messages, omittedMessages: 0, labels });
    const b = summarizeExtractively({ title: null, messages: messages.map((m) => ({ ...m })), omittedMessages: 0, labels });
    expect(a).toEqual(b);
    expect(a.summary).toContain('parcel');
    expect(a.summary).not.toContain('Hello');
    expect(a.summary).not.toContain('billing'); // notes are not the conversation
    expect(a.summary.split(/(?<=[.!?]) /).length).toBeLessThanOrEqual(3);
    expect(a.title.split(' ').length).toBeLessThanOrEqual(8);
    expect(a.title).toMatch(/^[A-Z]/);
    // Whole words only: "los" does not match "lost"; a label without keywords matches its name.
    expect(a.labels).toEqual(['Headphones', 'shipping']);
    expect(summarizeExtractively({ title: null, messages, omittedMessages: 0 }).labels).toEqual([]);
  });

  it('titles without leading filler, in a few words', () => {
    const title = (content: string) => summarizeExtractively({ title: null, omittedMessages: 0, messages: [{ role: 'user', content, createdAt: at(0) }] }).title;
    expect(title('Hi, I want to book a test drive for Saturday.')).toBe('Book a test drive for Saturday');
    expect(title('I am locked out of my account since yesterday and cannot reset the password')).toBe('Locked out of my account since yesterday…');
  });

  it('keeps the latest messages within the budget', () => {
    const newestFirst = Array.from({ length: 10 }, (_, i) => ({ role: 'user', content: `m${9 - i} ${'x'.repeat(60)}`, createdAt: at(9 - i) }));
    const window = transcriptWindow(newestFirst, 320, 10); // each line costs 103
    expect(window.messages.map((m) => m.content.split(' ')[0])).toEqual(['m7', 'm8', 'm9']);
    expect(window.omittedMessages).toBe(7);
    // A single message longer than the budget is cut rather than dropped.
    expect(transcriptWindow([{ role: 'user', content: 'y'.repeat(1000), createdAt: at(0) }], 100, 1).messages[0]!.content).toHaveLength(100);
  });

  it('prompts an AI summarizer without labels when none are wanted', () => {
    expect(buildSummaryPrompt({ title: null, messages, omittedMessages: 0 }).system).toContain('Labels are not wanted');
  });
});

describe('HTTP tool invoker', () => {
  it('refuses results that are too large or not JSON, and keeps to the budget', async () => {
    const stub = await startHttpStub((req, res) => {
      if (req.url === '/big') return void res.writeHead(200).end(JSON.stringify({ data: 'x'.repeat(70_000) }));
      if (req.url === '/text') return void res.writeHead(200).end('OK!');
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('{}'), 500);
      res.writeHead(204).end();
    });
    const tools = createHttpToolInvoker({ timeoutMs: 1000 });
    const call = { id: 'c1', name: 't', arguments: {}, context: { workspaceId: 'w', chatId: 1, chatUuid: 'u' } };
    try {
      await expect(tools.invoke({ name: 't', callbackUrl: `${stub.url}/big`, timeoutMs: null }, call)).rejects.toMatchObject({ reason: 'result larger than 64 KB' });
      await expect(tools.invoke({ name: 't', callbackUrl: `${stub.url}/text`, timeoutMs: null }, call)).rejects.toMatchObject({ reason: expect.stringMatching(/other than JSON/) });
      expect(await tools.invoke({ name: 't', callbackUrl: `${stub.url}/empty`, timeoutMs: null }, call)).toBeNull();
      // The request's remaining budget caps a tool's own deadline.
      await expect(tools.invoke({ name: 't', callbackUrl: `${stub.url}/slow`, timeoutMs: 5000, maxTimeoutMs: 100 }, call)).rejects.toMatchObject({ reason: 'no answer within 100 ms' });
    } finally {
      await stub.close();
    }
  });
});

describe('lazy providers (what the Lambda functions use)', () => {
  it('name the adapters createProviders makes, and hand each call to them once loaded', async () => {
    const configured = [
      {},
      { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'x', TWILIO_FROM: '+15550000', EMAIL_PROVIDER: 'smtp', SMTP_HOST: '127.0.0.1', SUMMARIZER: 'openai', OPENAI_BASE_URL: 'http://127.0.0.1:9', OPENAI_MODEL: 'm' },
    ];
    for (const env of configured) {
      const { providers } = parseConfig(env);
      const eager = createProviders(providers);
      const lazy = createLazyProviders(providers);
      expect([lazy.sms.provider, lazy.email.provider, lazy.summarizer.provider, lazy.summaryMaxInputChars]).toEqual([
        eager.sms.provider,
        eager.email.provider,
        eager.summarizer.provider,
        eager.summaryMaxInputChars,
      ]);
    }
    const lines: string[] = [];
    const outbox = createLazyProviders(parseConfig({}).providers, { log: (line) => lines.push(line) });
    expect(await outbox.sms.send({ to: '+15550001', body: 'hello' })).toEqual({ status: 'queued', providerMessageId: null });
    expect(lines).toHaveLength(1);
    const summary = await outbox.summarizer.summarize({ title: null, messages: [{ role: 'user', content: 'My order has not arrived.', createdAt: new Date() }], omittedMessages: 0 });
    expect(summary).toEqual(summarizeExtractively({ title: null, messages: [{ role: 'user', content: 'My order has not arrived.', createdAt: new Date() }], omittedMessages: 0 }));
  });
});
