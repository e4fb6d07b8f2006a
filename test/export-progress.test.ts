import { PassThrough, Readable } from 'node:stream';
import { CsvLineEndings, type ExportKinds, runExportJob } from '@parley/core';
import { createOrShareExportJob, findExportJobById } from '@parley/db';
import { describe, expect, it } from 'vitest';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace } from './harness/workspace.js';

// Long work shows progress: a running export job's status reports the rows written so far, and the
// CSV transform of the chats export counts the records it passes on (quoted line breaks are not records).

const t = useTestDb();

describe('export progress', () => {
  it('records the rows written so far while the job runs, then the final count', async () => {
    const ws = await createTestWorkspace(t.db);
    const { job } = await createOrShareExportJob(t.db, { workspaceId: ws.workspace.id, kind: 'slow', requestedBy: ws.admin.id, params: {}, paramsHash: 'progress-test' });
    const body = new PassThrough();
    let written = 0;
    const kinds: ExportKinds = {
      slow: {
        statusPath: () => '/test-export-status',
        filename: () => 'slow.csv',
        async produce() {
          return { body, rowCount: () => written, byteCount: () => 0, rowsSoFar: () => written };
        },
      },
    };
    // A store that reads the file as it comes, like an upload.
    const store = {
      async upload(_key: string, stream: Readable) {
        for await (const _chunk of stream) void _chunk;
      },
      async downloadUrl() {
        return '/x';
      },
    };
    const run = runExportJob({ handle: t.handle, store, leaseSeconds: 60, kinds, progressIntervalMs: 20 }, job.id, { final: true });
    const rowCountWhenRunning = async (atLeast: number) => {
      for (let i = 0; i < 500; i++) {
        const current = await findExportJobById(t.db, job.id);
        if (current?.status === 'running' && (current.rowCount ?? -1) >= atLeast) return current.rowCount;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`the running job never showed ${atLeast} rows`);
    };
    for (let i = 0; i < 10; i++) body.write(`row ${++written}\r\n`);
    expect(await rowCountWhenRunning(10)).toBe(10);
    for (let i = 0; i < 15; i++) body.write(`row ${++written}\r\n`);
    expect(await rowCountWhenRunning(25)).toBe(25);
    body.end();
    expect(await run).toBe('completed');
    expect(await findExportJobById(t.db, job.id)).toMatchObject({ status: 'completed', rowCount: 25 });
  });

  it('counts the records of the chats export as they pass, not the line breaks inside quoted fields', async () => {
    const csv = new CsvLineEndings();
    const out: Buffer[] = [];
    csv.on('data', (b: Buffer) => out.push(b));
    csv.write('id,title\n1,"two\nlines"\n');
    expect(csv.records).toBe(2);
    csv.write('2,"split ');
    csv.end('quote"\n');
    await new Promise((r) => csv.once('end', r));
    expect(csv.records).toBe(3);
    expect(Buffer.concat(out).toString()).toBe('id,title\r\n1,"two\nlines"\r\n2,"split quote"\r\n');
  });
});
