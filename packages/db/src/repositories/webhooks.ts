import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import type { WebhookDeliveryStatus } from '../schema.js';
import { exactText } from '../times.js';

// Webhook endpoints, their secrets, deliveries and attempts (see the webhooks migration). A delivery is
// claimed with a lease by one conditional UPDATE, so two queue messages for it never attempt it at once.

export interface WebhookEndpointRecord {
  id: string;
  workspaceId: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  description: string | null;
  disabledReason: string | null;
  lastSuccessAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const ENDPOINT_COLUMNS = ['id', 'workspace_id', 'url', 'event_types', 'enabled', 'description', 'disabled_reason', 'last_success_at', 'created_at', 'updated_at'] as const;

type EndpointRow = {
  id: string; workspace_id: string; url: string; event_types: string[]; enabled: boolean; description: string | null;
  disabled_reason: string | null; last_success_at: Date | null; created_at: Date; updated_at: Date;
};

const toEndpoint = (r: EndpointRow): WebhookEndpointRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  url: r.url,
  eventTypes: r.event_types,
  enabled: r.enabled,
  description: r.description,
  disabledReason: r.disabled_reason,
  lastSuccessAt: r.last_success_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function insertWebhookEndpoint(
  db: Executor,
  input: { workspaceId: string; url: string; eventTypes: string[]; enabled: boolean; description: string | null; secret: string },
): Promise<WebhookEndpointRecord> {
  const row = await db
    .insertInto('webhook_endpoints')
    .values({ workspace_id: input.workspaceId, url: input.url, event_types: input.eventTypes, enabled: input.enabled, description: input.description })
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirstOrThrow();
  await db.insertInto('webhook_secrets').values({ endpoint_id: row.id, secret: input.secret }).execute();
  return toEndpoint(row);
}

export async function listWebhookEndpoints(db: Executor, workspaceId: string): Promise<WebhookEndpointRecord[]> {
  const rows = await db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toEndpoint);
}

export async function findWebhookEndpoint(db: Executor, workspaceId: string, id: string): Promise<WebhookEndpointRecord | undefined> {
  const row = await db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row && toEndpoint(row);
}

export interface WebhookEndpointPatch {
  url?: string;
  eventTypes?: string[];
  enabled?: boolean;
  description?: string | null;
}

/** Applies the patch; enabling an endpoint clears why it was disabled. */
export async function updateWebhookEndpoint(db: Executor, workspaceId: string, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRecord | undefined> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      ...(patch.url !== undefined && { url: patch.url }),
      ...(patch.eventTypes !== undefined && { event_types: patch.eventTypes }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled, ...(patch.enabled && { disabled_reason: null }) }),
      ...(patch.description !== undefined && { description: patch.description }),
      updated_at: sql<Date>`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirst();
  return row && toEndpoint(row);
}

export async function deleteWebhookEndpoint(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Disables an enabled endpoint, saying why; false if it was disabled already (or is gone). */
export async function disableWebhookEndpoint(db: Executor, id: string, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: reason, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('enabled', '=', true)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * A new secret for the endpoint; the ones in use stay valid for `overlapSeconds` more (deliveries are
 * signed with every valid secret meanwhile). Returns when the previous secrets stop being used.
 */
export async function rotateWebhookSecret(db: Executor, endpointId: string, secret: string, overlapSeconds: number): Promise<Date> {
  const until = new Date(Date.now() + overlapSeconds * 1000);
  await db
    .updateTable('webhook_secrets')
    .set({ expires_at: sql<Date>`least(coalesce(expires_at, 'infinity'::timestamptz), ${until})` })
    .where('endpoint_id', '=', endpointId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .execute();
  await db.deleteFrom('webhook_secrets').where('endpoint_id', '=', endpointId).where('expires_at', '<=', sql<Date>`now()`).execute();
  await db.insertInto('webhook_secrets').values({ endpoint_id: endpointId, secret }).execute();
  return until;
}

/** The enabled endpoints of these workspaces, for fanning events out. */
export async function enabledWebhookEndpoints(db: Executor, workspaceIds: string[]): Promise<Array<{ id: string; workspaceId: string; eventTypes: string[] }>> {
  if (workspaceIds.length === 0) return [];
  const rows = await db.selectFrom('webhook_endpoints').select(['id', 'workspace_id', 'event_types']).where('workspace_id', 'in', workspaceIds).where('enabled', '=', true).execute();
  return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, eventTypes: r.event_types }));
}

// ---- the dispatcher's place in the log ----

/**
 * The dispatcher's place, locked for this transaction; undefined when another dispatcher holds it (it is
 * fanning out what is new, and whoever woke this one should ask again once it is done). Dispatchers take
 * turns instead of reading the same events and racing to record them.
 */
export async function lockDispatchPosition(trx: Executor): Promise<{ seen: string | null } | undefined> {
  return trx.selectFrom('event_dispatch').select('seen').where('id', '=', 1).forUpdate().skipLocked().executeTakeFirst();
}

/** Moves the dispatcher's place (held by lockDispatchPosition in the same transaction) to `to`. */
export async function advanceDispatchPosition(trx: Executor, to: string): Promise<void> {
  await trx.updateTable('event_dispatch').set({ seen: to, updated_at: sql<Date>`now()` }).where('id', '=', 1).execute();
}

// ---- deliveries ----

export async function insertWebhookDeliveries(db: Executor, rows: Array<{ workspaceId: string; endpointId: string; eventId: string }>): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insertInto('webhook_deliveries')
    .values(rows.map((r) => ({ workspace_id: r.workspaceId, endpoint_id: r.endpointId, event_id: r.eventId, enqueued_at: sql<Date>`now()` })))
    .returning('id')
    .execute();
  return inserted.map((r) => r.id);
}

export async function markWebhookDeliveriesEnqueued(db: Executor, ids: string[]): Promise<void> {
  if (ids.length) await db.updateTable('webhook_deliveries').set({ enqueued_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
}

export interface ClaimedDelivery {
  id: string;
  attempt: number;
  createdAt: Date;
  endpoint: { id: string; workspaceId: string; url: string; enabled: boolean; lastSuccessAt: Date | null };
  /** The endpoint's secrets in use now, newest first: the delivery is signed with each. */
  secrets: string[];
  event: { id: string; type: string; workspaceId: string; resourceId: string; schemaVersion: number; payload: Record<string, unknown>; occurredAt: Date };
}

/**
 * Takes the deliveries among `ids` that are pending and due for one attempt (their count raised); those
 * done, not due or held are left out. One statement returns what each attempt needs: the endpoint, the
 * event and the secrets to sign with now (newest first).
 */
export async function claimWebhookDeliveries(db: Executor, ids: readonly string[], leaseSeconds: number): Promise<ClaimedDelivery[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .with('claimed', (q) =>
      q
        .updateTable('webhook_deliveries')
        .set({ attempts: sql<number>`attempts + 1`, lease_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
        .where('id', 'in', [...ids])
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', sql<Date>`now() + interval '1 second'`)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', sql<Date>`now()`)]))
        .returning(['id', 'attempts', 'created_at', 'endpoint_id', 'event_id']),
    )
    .selectFrom('claimed as c')
    .innerJoin('webhook_endpoints as e', 'e.id', 'c.endpoint_id')
    .innerJoin('events as v', 'v.id', 'c.event_id')
    .select([
      'c.id', 'c.attempts', 'c.created_at',
      'e.id as endpoint_id', 'e.workspace_id', 'e.url', 'e.enabled', 'e.last_success_at',
      'v.id as event_id', 'v.type', 'v.resource_id', 'v.schema_version', 'v.payload', 'v.occurred_at', 'v.workspace_id as event_workspace_id',
      sql<string[]>`array(
        select s.secret from webhook_secrets s
        where s.endpoint_id = e.id and (s.expires_at is null or s.expires_at > now())
        order by s.created_at desc)`.as('secrets'),
    ])
    .execute();
  return rows.map((row) => ({
    id: row.id,
    attempt: row.attempts,
    createdAt: row.created_at,
    endpoint: { id: row.endpoint_id, workspaceId: row.workspace_id, url: row.url, enabled: row.enabled, lastSuccessAt: row.last_success_at },
    secrets: row.secrets,
    event: {
      id: row.event_id,
      type: row.type,
      workspaceId: row.event_workspace_id,
      resourceId: row.resource_id,
      schemaVersion: row.schema_version,
      payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>,
      occurredAt: row.occurred_at,
    },
  }));
}

export interface AttemptResult {
  startedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

export async function recordWebhookAttempt(db: Executor, deliveryId: string, attempt: number, result: AttemptResult): Promise<void> {
  await db
    .insertInto('webhook_attempts')
    .values(attemptRow(deliveryId, attempt, result))
    .execute();
}

const attemptRow = (deliveryId: string, attempt: number, result: AttemptResult) => ({
  delivery_id: deliveryId,
  attempt,
  started_at: result.startedAt,
  status_code: result.statusCode,
  latency_ms: result.latencyMs,
  response_excerpt: result.responseExcerpt,
  error: result.error,
});

/** Ends a delivery (succeeded or failed for good), or schedules its next attempt at `retryAt`. */
export async function settleWebhookDelivery(
  db: Executor,
  id: string,
  outcome: { status: WebhookDeliveryStatus; lastStatus: number | null; lastError: string | null; retryAt?: Date },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      last_status: outcome.lastStatus,
      last_error: outcome.lastError,
      lease_until: null,
      ...(outcome.retryAt ? { next_attempt_at: outcome.retryAt, enqueued_at: null } : {}),
      ...(outcome.status !== 'pending' && { completed_at: sql<Date>`now()` }),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Successful attempts in one statement (no transaction, one round trip): each attempt logged, its delivery
 * succeeded, and the endpoints' last success moved, to the second only: concurrent deliveries to one
 * endpoint would otherwise all queue for its row's lock.
 */
export async function recordWebhookSuccesses(db: Executor, successes: ReadonlyArray<{ id: string; attempt: number; endpointId: string; result: AttemptResult }>): Promise<void> {
  if (successes.length === 0) return;
  await db
    .with('attempt', (q) =>
      q
        .insertInto('webhook_attempts')
        .values(successes.map((s) => attemptRow(s.id, s.attempt, s.result)))
        .returning(['delivery_id', 'status_code']),
    )
    .with('endpoint', (q) =>
      q
        .updateTable('webhook_endpoints')
        .set({ last_success_at: sql<Date>`now()` })
        .where('id', 'in', [...new Set(successes.map((s) => s.endpointId))])
        .where((eb) => eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<', sql<Date>`now() - interval '1 second'`)]))
        .returning('id'),
    )
    .updateTable('webhook_deliveries')
    .from('attempt')
    .set((eb) => ({ status: 'succeeded', last_status: eb.ref('attempt.status_code'), last_error: null, lease_until: null, completed_at: sql<Date>`now()` }))
    .whereRef('webhook_deliveries.id', '=', 'attempt.delivery_id')
    .execute();
}

/**
 * Pending deliveries no queue message will bring: due and never covered by one within SQS's longest
 * delay (15 minutes), or overdue by `lostAfterSeconds` (their message was lost).
 */
export async function listStrandedWebhookDeliveries(db: Executor, lostAfterSeconds: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', sql<Date>`now()`)]))
    .where((eb) =>
      eb.or([
        eb('enqueued_at', 'is', null),
        eb('enqueued_at', '<', sql<Date>`next_attempt_at - interval '15 minutes'`),
        eb('next_attempt_at', '<', sql<Date>`now() - make_interval(secs => ${lostAfterSeconds})`),
      ]),
    )
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: Array<{ attempt: number; startedAt: Date; statusCode: number | null; latencyMs: number; responseExcerpt: string | null; error: string | null }>;
  nextAttemptAt: Date | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** The endpoint's deliveries, newest first, after the (createdAt, id) of `before`. */
export async function listWebhookDeliveries(
  db: Executor,
  endpointId: string,
  page: { limit: number; before?: { createdAt: string; id: string } },
): Promise<{ items: WebhookDeliveryRecord[]; hasMore: boolean }> {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as v', 'v.id', 'd.event_id')
    .select(['d.id', 'd.event_id', 'v.type', 'd.status', 'd.next_attempt_at', 'd.created_at', 'd.completed_at'])
    .where('d.endpoint_id', '=', endpointId);
  if (page.before) query = query.where(sql<boolean>`(d.created_at, d.id) < (${page.before.createdAt}::timestamptz, ${page.before.id}::uuid)`);
  const rows = await query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit);
  const attempts = items.length
    ? await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', items.map((r) => r.id)).orderBy('attempt').execute()
    : [];
  return {
    hasMore: rows.length > page.limit,
    items: items.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.type,
      status: r.status,
      attempts: attempts
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({ attempt: a.attempt, startedAt: a.started_at, statusCode: a.status_code, latencyMs: a.latency_ms, responseExcerpt: a.response_excerpt, error: a.error })),
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
      createdAt: r.created_at,
      completedAt: r.completed_at,
    })),
  };
}

/** The (createdAt as text, id) keyset of a delivery, for its page's cursor. */
export async function webhookDeliveryKey(db: Executor, id: string): Promise<{ createdAt: string; id: string } | undefined> {
  const row = await db.selectFrom('webhook_deliveries').select([exactText('created_at').as('created'), 'id']).where('id', '=', id).executeTakeFirst();
  return row && { createdAt: row.created, id: row.id };
}
