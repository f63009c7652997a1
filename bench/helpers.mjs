/**
 * Small process and Docker helpers for the capture benchmark. Everything goes
 * through the docker CLI (not dockerode) so the benchmark measures `ir` against
 * exactly what an operator would type, and shares no code with the thing it measures.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/** Runs a command to its end; resolves with exit code, captured output and wall time in ms. */
export function run(cmd, args, { stdoutFile, stderrFile, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', stdoutFile ?? 'pipe', stderrFile ?? 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => { if (stdout.length < 1 << 20) stdout += d; });
    child.stderr?.on('data', (d) => { if (stderr.length < 1 << 20) stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result = { code: code ?? 128, signal, stdout, stderr, ms: performance.now() - start };
      if (code !== 0 && !allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim().slice(0, 500)}`));
      } else resolve(result);
    });
  });
}

/** Runs a shell pipeline with stdout/stderr sent to already-open file descriptors (or ignored). */
export async function shell(script, { stdout, stderr } = {}) {
  const out = stdout ? await open(stdout, 'w') : null;
  const err = stderr ? await open(stderr, 'w') : null;
  try {
    return await run('sh', ['-c', script], { stdoutFile: out?.fd ?? 'ignore', stderrFile: err?.fd ?? 'pipe' });
  } finally {
    await out?.close();
    await err?.close();
  }
}

export const docker = (...args) => run('docker', args);

/**
 * Waits until the container's last log line is `marker`: the generator prints
 * it after all its data is written, so this is a fact, not a guessed sleep.
 * `docker logs --tail 1` reads the json-file from its end, so polling is cheap.
 */
export async function waitForLastLine(container, marker, { timeoutMs = 30 * 60_000, label = container } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    const { stdout, stderr } = await run('docker', ['logs', '--tail', '1', container]);
    if (stdout.trim() === marker || stderr.trim() === marker) return;
    const state = (await docker('inspect', '-f', '{{.State.Running}}', container)).stdout.trim();
    if (state !== 'true') throw new Error(`${label} stopped before printing ${marker}`);
    if (Date.now() - lastReport > 15_000) {
      process.stderr.write(`  … still waiting for ${label}\n`);
      lastReport = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${label} did not print ${marker} within ${timeoutMs / 1000}s`);
}

/**
 * Removes every container and network whose name starts with `prefix` — by
 * listing them from the engine rather than trusting our own bookkeeping, so a
 * container created just before a Ctrl-C is removed too.
 */
export async function removeByPrefix(prefix) {
  const list = async (...args) =>
    (await run('docker', args, { allowFail: true })).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  // `name=` filters are substring matches, so check the prefix ourselves.
  const containers = (await list('ps', '-a', '--filter', `name=${prefix}`, '--format', '{{.Names}}'))
    .filter((n) => n.startsWith(prefix));
  if (containers.length > 0) await run('docker', ['rm', '-f', '-v', ...containers], { allowFail: true });
  const networks = (await list('network', 'ls', '--filter', `name=${prefix}`, '--format', '{{.Name}}'))
    .filter((n) => n.startsWith(prefix));
  if (networks.length > 0) await run('docker', ['network', 'rm', ...networks], { allowFail: true });
  return { containers, networks };
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const MB = 1e6;
export const fmt = (n, digits = 1) => n.toFixed(digits).padStart(8);
