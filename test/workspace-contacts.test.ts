import { createApiKey } from '@parley/core';
import { insertContact } from '@parley/db';
import { describe, expect, it } from 'vitest';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace } from './harness/workspace.js';

// Contacts through the API: the owners of chats, created, listed, searched, updated and deleted.

const t = useTestDb();

describe('contacts', () => {
  it('creates a contact that owns a v1 chat, lists, searches, pages and reads it', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/contacts`;
    const created = await ws.request(base, { method: 'POST', body: { name: 'Zoe Zimmer', phone: '+4915112345678', email: 'zoe@example.test', handle: '@zoe', country: 'DE', language: 'de' } });
    expect(created.status).toBe(201);
    const zoe = await created.json();
    expect(zoe).toMatchObject({ name: 'Zoe Zimmer', phone: '+4915112345678', email: 'zoe@example.test', handle: '@zoe', blocked: false, anonymous: false, country: 'DE', language: 'de' });

    // The contact is a chat owner: POST /api/v1/chats takes its id.
    const chat = await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: zoe.id, channelId: ws.channels.sms.id, title: 'Hello' } });
    expect(chat.status).toBe(200);
    expect((await chat.json()).ownerId).toBe(zoe.id);

    expect((await (await ws.request(`${base}/${zoe.id}`)).json()).id).toBe(zoe.id);
    const found = await (await ws.request(`${base}?search=zimm`)).json();
    expect(found.contacts.map((c: { name: string }) => c.name)).toEqual(['Zoe Zimmer']);

    // By name, then id; one at a time with the cursor.
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await (await ws.request(`${base}?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
      names.push(...page.contacts.map((c: { name: string }) => c.name));
      cursor = page.nextCursor;
      expect(page.hasMore).toBe(cursor !== null);
    } while (cursor);
    expect(names).toEqual(['Bea Blocked', 'Carl Contact', 'Zoe Zimmer']);
    expect((await (await ws.request(`${base}?blocked=true`)).json()).contacts.map((c: { name: string }) => c.name)).toEqual(['Bea Blocked']);
  });

  it('updates the fields a PATCH names, clears with null, and blocks', async () => {
    const ws = await createTestWorkspace(t.db);
    const path = `/api/v2/w/${ws.workspace.id}/contacts/${ws.contact.identityId}`;
    const res = await ws.request(path, { method: 'PATCH', body: { name: 'Carl C.', phone: null, blocked: true, userAgent: 'Test/1.0' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: ws.contact.identityId, name: 'Carl C.', phone: null, blocked: true, userAgent: 'Test/1.0', identifier: '+15550001' });
    expect(await (await ws.request(path)).json()).toMatchObject({ name: 'Carl C.', blocked: true });
  });

  it('deletes a contact without chats; one with chats is a 409', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/contacts`;
    const lone = await (await ws.request(base, { method: 'POST', body: { name: 'Lone' } })).json();
    expect((await ws.request(`${base}/${lone.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await ws.request(`${base}/${lone.id}`)).status).toBe(404);
    await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: ws.contact.identityId, channelId: null, title: null } });
    const refused = await ws.request(`${base}/${ws.contact.identityId}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toMatchObject({ code: 'conflict', message: expect.stringContaining('owns 1 chat') });
  });

  it('answers 404 for another workspace’s contact and hides anonymous contacts without chats:admin', async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/contacts`;
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await ws.request(`${base}/${other.contact.identityId}`, { method, body: method === 'PATCH' ? { name: 'x' } : undefined });
      expect(res.status, method).toBe(404);
    }
    expect((await ws.request(`/api/v2/w/${other.workspace.id}/contacts`)).status).toBe(404);
    const visitor = await insertContact(t.db, { workspaceId: ws.workspace.id, name: 'Visitor', isAnonymous: true });
    const listed = async (key: string) => (await (await ws.request(base, { key })).json()).contacts.map((c: { name: string }) => c.name);
    expect(await listed(ws.keys.read!)).not.toContain('Visitor');
    expect(await listed(ws.keys.all!)).toContain('Visitor');
    expect((await ws.request(`${base}/${visitor.identityId}`, { key: ws.keys.read })).status).toBe(404);
  });

  it('needs chats:admin to change contacts', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/contacts`;
    const member = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:write'] })).token;
    const res = await ws.request(base, { method: 'POST', body: { name: 'Nope' }, key: member });
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain('chats:admin');
  });

  it('replays a create with the same Idempotency-Key instead of making a second contact', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/contacts`;
    const send = () => ws.request(base, { method: 'POST', body: { name: 'Once Only' }, headers: { 'idempotency-key': 'contact-1' } });
    const first = await send();
    const again = await send();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await again.json()).id).toBe((await first.json()).id);
    expect((await (await ws.request(`${base}?search=once`)).json()).contacts).toHaveLength(1);
  });

  it('answers bad input with 400 and the error shape', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/contacts`;
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', base, {}, 'body.name'],
      ['POST', base, { name: 'A', phone: '0151 123' }, 'body.phone'],
      ['POST', base, { name: 'A', email: 'not-an-email' }, 'body.email'],
      ['POST', base, { name: 'A', country: 'Germany' }, 'body.country'],
      ['POST', base, { name: 'A', unknown: 1 }, 'body.unknown'],
      ['PATCH', `${base}/${ws.contact.identityId}`, { blocked: 'yes' }, 'body.blocked'],
      ['PATCH', `${base}/${ws.contact.identityId}`, { name: '   ' }, 'body.name'],
      ['GET', `${base}?limit=0`, undefined, 'query.limit'],
      ['GET', `${base}?cursor=forged.cursor`, undefined, 'query.cursor'],
      ['GET', `${base}/not-a-uuid`, undefined, 'path.contact_id'],
    ];
    for (const [method, path, body, issue] of cases) {
      const res = await ws.request(path, { method, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('validation_failed');
      expect(error.issues.map((i: { path: string }) => i.path)).toContain(issue);
    }
  });
});
