import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { chainRecord, type AuditRecord } from '../../src/audit/chain.js';
import { verifyTrail } from '../../src/audit/verify-trail.js';
import { Redactor } from '../../src/redactor.js';
import { parseRunbook } from '../../src/runbook/load-runbook.js';
import { Journal, type StartedPlan } from '../../src/runner/journal.js';
import { takeLock, type LockRequest } from '../../src/runner/lock.js';
import { checkPlanUnchanged } from '../../src/runner/started-plan.js';
import { writeAuditIncident } from '../support/audit-fixture.js';

const CONTEXT = { incident: 'IR-x', actor: { user: 'oncall', host: 'h' }, target: 'web' };
const RESUMED = { details: { from: 2 }, reopenSealed: false };
const RUNBOOK = 'name: c\ntarget:\n  container: web\nsteps:\n  - isolate: {}\n  - capture: {}\n  - terminate: {}\n';

async function lines(dir: string): Promise<Record<string, unknown>[]> {
  return (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
}

describe('reopening an audit trail', () => {
  it('continues the chain of an unsealed trail, and the result verifies', async () => {
    const dir = await writeAuditIncident({ seal: false });
    const count = (await lines(dir)).length;
    const trail = await AuditTrail.reopen(join(dir, 'audit.jsonl'), CONTEXT, new Redactor(), RESUMED);
    await trail.close();
    const records = await lines(dir);
    expect(records.at(-1)).toMatchObject({ seq: count + 1, event: 'incident.resumed', prev: records.at(-2)!.hash,
      details: { from: 2 } });
    expect((await verifyTrail(dir)).verdict).toBe('unsealed');
  });

  it('takes a line cut by a crash off the file and records it whole', async () => {
    const dir = await writeAuditIncident({ seal: false });
    await appendFile(join(dir, 'audit.jsonl'), '{"seq":9,"ti');
    const trail = await AuditTrail.reopen(join(dir, 'audit.jsonl'), CONTEXT, new Redactor(), RESUMED);
    await trail.close();
    const [cut, resumed] = (await lines(dir)).slice(-2);
    expect(cut).toMatchObject({ event: 'audit.cut-line-removed', details: { text: '{"seq":9,"ti', bytes: 12 } });
    expect(resumed!.event).toBe('incident.resumed');
    const report = await verifyTrail(dir);
    expect(report).toMatchObject({ verdict: 'unsealed', cutTail: false });
  });

  it('refuses a broken trail and a sealed one', async () => {
    const broken = await writeAuditIncident({ seal: false });
    const text = await readFile(join(broken, 'audit.jsonl'), 'utf8');
    await writeFile(join(broken, 'audit.jsonl'), text.replace('"outcome":"started"', '"outcome":"succeeded"'));
    await expect(AuditTrail.reopen(join(broken, 'audit.jsonl'), CONTEXT, new Redactor(), RESUMED))
      .rejects.toMatchObject({ code: 'AUDIT_BROKEN' });
    const sealed = await writeAuditIncident();
    await expect(AuditTrail.reopen(join(sealed, 'audit.jsonl'), CONTEXT, new Redactor(), RESUMED))
      .rejects.toMatchObject({ code: 'INCIDENT_FINISHED' });
  });

  it('reopens a sealed trail only when asked, with incident.resumed right after the seal, and verify accepts it', async () => {
    const dir = await writeAuditIncident();
    const trail = await AuditTrail.reopen(join(dir, 'audit.jsonl'), CONTEXT, new Redactor(), { ...RESUMED, reopenSealed: true });
    await trail.append('step.started', 'started');
    await trail.close();
    const records = await lines(dir);
    expect(records.slice(-3).map((record) => record.event)).toEqual(['audit.sealed', 'incident.resumed', 'step.started']);
    expect((await verifyTrail(dir)).verdict).toBe('unsealed');
  });

  it('still calls any other record chained after a seal tampering', async () => {
    const dir = await writeAuditIncident();
    const seal = (await lines(dir)).at(-1) as unknown as AuditRecord;
    const forged = chainRecord({ ...seal, seq: seal.seq + 1, event: 'step.started', details: {}, prev: seal.hash });
    await appendFile(join(dir, 'audit.jsonl'), `${JSON.stringify(forged)}\n`);
    expect(await verifyTrail(dir)).toMatchObject({ verdict: 'broken', problem: { kind: 'after-seal', seq: forged.seq } });
  });

  it('refuses records after the last one before an immediate stop', async () => {
    const dir = await writeAuditIncident({ seal: false });
    const trail = await AuditTrail.reopen(join(dir, 'audit.jsonl'), CONTEXT, new Redactor(), RESUMED);
    await trail.appendLast('incident.interrupted', 'failed');
    await expect(trail.append('step.finished', 'succeeded')).rejects.toMatchObject({ code: 'AUDIT_CLOSING' });
    expect((await lines(dir)).at(-1)!.event).toBe('incident.interrupted');
  });
});

function planOf(text: string): StartedPlan {
  const runbook = parseRunbook(text, 'rb.yaml');
  return {
    runbook: { name: runbook.name, file: 'rb.yaml', sha256: runbook.sha256 }, target: runbook.target,
    steps: runbook.steps, container: { id: 'abc', name: 'web', image: 'i' }, engineId: 'E', dockerHost: 'unix://x',
  };
}

describe('the plan as started', () => {
  it('accepts the same runbook, and one whose description alone changed', () => {
    const plan = planOf(RUNBOOK);
    expect(() => checkPlanUnchanged(plan, parseRunbook(RUNBOOK, 'rb.yaml'))).not.toThrow();
    const described = RUNBOOK.replace('name: c\n', 'name: c\ndescription: now described\n');
    expect(() => checkPlanUnchanged(plan, parseRunbook(described, 'rb.yaml'))).not.toThrow();
  });

  it('names the step that changed', () => {
    const plan = planOf(RUNBOOK);
    const changed = parseRunbook(RUNBOOK.replace('terminate: {}', 'terminate: { stopTimeout: 1 }'), 'rb.yaml');
    expect(() => checkPlanUnchanged(plan, changed)).toThrow(/step 3 of rb.yaml changed .*terminate, now terminate with other/);
    const swapped = parseRunbook(RUNBOOK.replace('- isolate: {}\n  - capture: {}', '- capture: {}\n  - isolate: {}'), 'rb.yaml');
    expect(() => checkPlanUnchanged(plan, swapped)).toThrow(/step 1 .*was isolate, now capture/);
    expect(() => checkPlanUnchanged(plan, new Error('ENOENT'))).toThrow(/can no longer be loaded/);
  });

  it('is kept in journal.json, redacted, and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ir-journal-'));
    const redactor = new Redactor();
    redactor.add('sk-journal-secret-value');
    const journal = Journal.create(join(dir, 'journal.json'), redactor, 'IR-x', planOf(RUNBOOK));
    await journal.set(1, 'running');
    await journal.rememberRunning({ networks: ['front'], note: 'sk-journal-secret-value' });
    await journal.set(1, 'done', undefined, 'disconnected');
    const text = await readFile(join(dir, 'journal.json'), 'utf8');
    expect(text).not.toContain('sk-journal-secret-value');
    const back = await Journal.load(join(dir, 'journal.json'), redactor);
    expect(back.steps[0]).toMatchObject({ state: 'done', attempts: 1, summary: 'disconnected', resume: { networks: ['front'] } });
    expect(back.plan.steps.map((step) => step.kind)).toEqual(['isolate', 'capture', 'terminate']);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('container locks', () => {
  const request = async (incident: string): Promise<LockRequest> => ({
    evidenceDir: await mkdtemp(join(tmpdir(), 'ir-lock-')), engineId: 'AB:CD', containerId: 'c0ffee', incident,
    actor: { user: 'oncall', host: hostname() },
  });

  it('refuses a second holder while the first holds it, naming who holds it', async () => {
    const first = await request('IR-one');
    const held = await takeLock(first);
    const refused = takeLock({ ...first, incident: 'IR-two' });
    await expect(refused).rejects.toMatchObject({ code: 'CONTAINER_LOCKED' });
    await expect(refused).rejects.toThrow(new RegExp(`incident IR-one: oncall@${hostname()}, pid ${process.pid}, since 20`));
    await held.release();
    await (await takeLock({ ...first, incident: 'IR-two' })).release();
  });

  it('takes over a lock whose process is gone, and says whose it was', async () => {
    const req = await request('IR-new');
    const path = join(req.evidenceDir, '.locks', 'AB_CD-c0ffee.lock');
    const stale = { user: 'x', host: hostname(), pid: await deadPid(), incident: 'IR-old', since: '2026-12-01T00:00:00Z',
      engineId: 'AB:CD', containerId: 'c0ffee' };
    await takeLock({ ...req, incident: 'IR-probe' }).then((lock) => lock.release());
    await writeFile(path, JSON.stringify(stale), { flag: 'wx' });
    const lock = await takeLock(req);
    expect(lock.takenOver).toMatchObject({ incident: 'IR-old', pid: stale.pid });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ incident: 'IR-new', pid: process.pid });
    await lock.release();
  });

  it('never takes over a lock held on another host', async () => {
    const req = await request('IR-here');
    const elsewhere = await takeLock({ ...req, incident: 'IR-there', actor: { user: 'y', host: 'other-host' } });
    const text = await readFile(elsewhere.path, 'utf8');
    await writeFile(elsewhere.path, text.replace(`"pid": ${process.pid}`, `"pid": ${await deadPid()}`));
    await expect(takeLock(req)).rejects.toThrow(/locked by incident IR-there: y@other-host/);
  });
});
