import { EXPORT_KINDS } from '@parley/core';
import { randomUUID } from 'node:crypto';
import type { ExportServices } from '@parley/core';
import { describe, expect, it } from 'vitest';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The OpenAPI document says exactly what the server enforces, checked against the server itself for
// every operation of /openapi.json (operations added later included): each integer parameter and body
// field is refused just outside its documented bounds and as a fraction, and taken at them; every
// integer states both bounds and page sizes say 1 to 100; a `number` takes a fraction; a body field
// takes null exactly when the document says it is nullable.

const t = useTestDb();

/** Exports that queue and never run: the export routes answer as on a configured server. */
const exports: ExportServices = { queue: { send: async () => {} }, store: { upload: async () => {}, downloadUrl: async () => '/local-exports/never' }, waitMs: 0, linkTtlSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 4 };

type Schema = Record<string, any>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

function operationsOf(doc: Schema): { operations: Operation[]; resolve: (s: Schema | undefined) => Schema } {
  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()]);
    if (schema.allOf) return schema.allOf.map(resolve).reduce((a: Schema, b: Schema) => ({ ...a, ...b }), {});
    return schema;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p: Schema) => ({ name: p.name, in: p.in, required: !!p.required, schema: resolve(p.schema) })),
        body: op.requestBody?.content?.['application/json'] ? resolve(op.requestBody.content['application/json'].schema) : undefined,
      });
    }
  }
  return { operations, resolve };
}

const typesOf = (schema: Schema): string[] => [schema.type ?? schema.anyOf?.map((s: Schema) => s.type) ?? []].flat(2).filter(Boolean);
const isInteger = (schema: Schema) => typesOf(schema).includes('integer') && !schema.enum;
const isNullable = (schema: Schema) => typesOf(schema).includes('null') || schema.nullable === true || (schema.enum ?? []).includes(null);

/** A valid value of a schema (for the parameters and fields not under test). */
function validOf(ws: TestWorkspace, name: string, schema: Schema, resolve: (s: Schema) => Schema): unknown {
  schema = resolve(schema);
  const known: Record<string, unknown> = {
    workspace_uuid: ws.workspace.id,
    org_id: ws.workspace.id,
    chatbotId: ws.agent.identityId,
    from: '2026-01-01T00:00:00Z',
    to: '2026-01-02T00:00:00Z',
    components: '0,1',
  };
  if (Object.hasOwn(known, name)) return known[name];
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return validOf(ws, name, options.find((o: Schema) => !typesOf(resolve(o)).includes('null')) ?? options[0], resolve);
  if (schema.enum) return schema.enum.find((v: unknown) => v !== null);
  if (schema.default !== undefined) return schema.default;
  const type = typesOf(schema).find((x) => x !== 'null');
  switch (type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return (schema.minItems ?? 0) > 0 ? [validOf(ws, name, schema.items ?? {}, resolve)] : [];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = validOf(ws, key, schema.properties?.[key] ?? {}, resolve);
      return out;
    }
    default:
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return '2026-01-15T12:00:00Z';
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
  }
}

interface Probe {
  /** What is probed, for messages: `GET /path query.pageSize = 101`. */
  label: string;
  /** Where an issue about it would point: `query.pageSize`, `path.chat_id`, `body.memberId`. */
  at: string;
  url: string;
  method: string;
  body?: unknown;
  /** Whether the server should refuse the value at `at`. */
  refused: boolean;
}

function probesFor(ws: TestWorkspace, op: Operation, resolve: (s: Schema) => Schema): Probe[] {
  const probes: Probe[] = [];
  // Every other integer at its minimum, so a bound of one (a page number) is not refused for another's sake (an offset).
  const baseline = (overrides: Record<string, string> = {}) => {
    const values = new Map<Parameter, string>();
    for (const p of op.parameters) {
      if (p.in === 'header') continue;
      if (p.required) values.set(p, String(validOf(ws, p.name, p.schema, resolve)));
      else if (isInteger(p.schema) && p.schema.minimum !== undefined) values.set(p, String(p.schema.minimum));
    }
    for (const p of op.parameters) if (`${p.in}.${p.name}` in overrides) values.set(p, overrides[`${p.in}.${p.name}`]!);
    let url = op.path;
    const query: string[] = [];
    for (const [p, v] of values) {
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
      else query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(v)}`);
    }
    return query.length ? `${url}?${query.join('&')}` : url;
  };
  const validBody = op.body ? (validOf(ws, '', op.body, resolve) as Record<string, unknown>) : undefined;

  const integerProbes = (schema: Schema): Array<{ value: number | string; refused: boolean; what: string }> => {
    const out: Array<{ value: number | string; refused: boolean; what: string }> = [];
    const { minimum, maximum } = schema;
    if (typeof minimum === 'number') out.push({ value: minimum, refused: false, what: 'minimum' }, { value: minimum - 1, refused: true, what: 'below minimum' });
    if (typeof maximum === 'number') {
      out.push({ value: maximum, refused: false, what: 'maximum' });
      out.push({ value: maximum >= Number.MAX_SAFE_INTEGER ? (BigInt(maximum) + 1n).toString() : maximum + 1, refused: true, what: 'above maximum' });
    }
    out.push({ value: (minimum ?? 1) + 0.5, refused: true, what: 'a fraction' });
    return out;
  };

  for (const p of op.parameters) {
    if (p.in === 'header') continue;
    const at = `${p.in}.${p.name}`;
    if (isInteger(p.schema)) {
      for (const probe of integerProbes(p.schema)) {
        probes.push({ label: `${op.method} ${op.path} ${at} = ${probe.value} (${probe.what})`, at, method: op.method, url: baseline({ [at]: String(probe.value) }), body: validBody, refused: probe.refused });
      }
    } else if (typesOf(p.schema).includes('number')) {
      probes.push({ label: `${op.method} ${op.path} ${at} = 1.5 (a number)`, at, method: op.method, url: baseline({ [at]: '1.5' }), body: validBody, refused: false });
    }
  }
  if (op.body && validBody) {
    for (const [name, raw] of Object.entries<Schema>(op.body.properties ?? {})) {
      const schema = resolve(raw);
      const at = `body.${name}`;
      const withField = (value: unknown) => ({ ...validBody, [name]: value });
      if (isInteger(schema)) {
        for (const probe of integerProbes(schema)) {
          if (typeof probe.value === 'string') continue;
          probes.push({ label: `${op.method} ${op.path} ${at} = ${probe.value} (${probe.what})`, at, method: op.method, url: baseline(), body: withField(probe.value), refused: probe.refused });
        }
      }
      const nullable = isNullable(schema);
      probes.push({ label: `${op.method} ${op.path} ${at} = null (${nullable ? 'nullable' : 'not nullable'})`, at, method: op.method, url: baseline(), body: withField(null), refused: !nullable });
    }
  }
  return probes;
}

describe('the OpenAPI document against the validators', () => {
  it('states integer bounds the server enforces, 1 to 100 for page sizes, and nullability as the server takes it', { timeout: 180_000 }, async () => {
    const ws = await createTestWorkspace(t.db, { exports });
    const doc = await (await ws.request('/openapi.json', { key: null })).json();
    const { operations, resolve } = operationsOf(doc);
    const failures: string[] = [];

    for (const op of operations) {
      for (const p of op.parameters) {
        if (!isInteger(p.schema)) continue;
        if (typeof p.schema.minimum !== 'number' || typeof p.schema.maximum !== 'number') failures.push(`${op.method} ${op.path} ${p.in}.${p.name}: an integer without both bounds`);
        if (/^(pageSize|take)$/.test(p.name) && (p.schema.minimum !== 1 || p.schema.maximum !== 100)) failures.push(`${op.method} ${op.path} ${p.name}: a page size not documented as 1 to 100`);
      }
    }

    let probed = 0;
    for (const op of operations) {
      if (op.path.startsWith('/health') || op.path === '/openapi.json') continue;
      for (const probe of probesFor(ws, op, resolve)) {
        probed++;
        const res = await ws.request(probe.url, { method: probe.method, body: probe.body });
        const body = res.status === 400 ? await res.json() : (await res.arrayBuffer(), undefined);
        const issues: Array<{ path: string }> = body?.error?.issues ?? [];
        const refused = issues.some((i) => i.path === probe.at || i.path.startsWith(`${probe.at}.`));
        if (refused !== probe.refused) failures.push(`${probe.label}: ${refused ? 'refused' : `not refused (${res.status})`}, the document says it ${probe.refused ? 'is not' : 'is'} valid`);
      }
    }
    expect(probed).toBeGreaterThan(50);
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
