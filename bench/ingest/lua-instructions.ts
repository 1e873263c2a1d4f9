// Redis's cost of src's apply-events.lua against the same script at another git revision, counted
// in instructions rather than seconds: a private redis-server runs under valgrind's callgrind, the
// same prepared batches are applied with each script (a fresh key prefix each time, rounds
// alternating), and the instructions Redis executed per applied event are read from callgrind's
// counters. Instruction counts repeat to a fraction of a percent whatever else the machine does,
// where CPU-time figures of one change of a few percent drown in run-to-run noise.
//
// npx tsx bench/ingest/lua-instructions.ts --rev 620f1ac [--only synthetic|real] [--rounds 2]
//        [--synthetic-customers 10000] [--synthetic-orders 50000]
// Needs valgrind (Debian: apt-get install -y valgrind).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { prepareBatch, type PreparedBatch } from '../../src/consumers/prepare-batch.js';
import type { CheckoutEvent } from '../../src/events/schema.js';
import { defaultRules } from '../../src/features/filters.js';
import { loadConfig } from '../../src/config.js';
import { createRedis } from '../../src/infra/redis.js';
import { scriptsDir } from '../../src/state/scripts.js';
import { StateStore } from '../../src/state/state-store.js';
import {
  benchDecodeOptions,
  consumedMessage,
  emit,
  markdownTable,
  note,
  numberFlag,
  parseFlags,
  readRealEvents,
  repoRoot,
} from './lib.js';
import { SyntheticOrders } from './synthetic-data.js';

const flags = parseFlags(process.argv.slice(2));
const revFlag = flags.get('rev');
if (revFlag === undefined) throw new Error('usage: lua-instructions.ts --rev GIT_REVISION [--only synthetic|real]');
const rev: string = revFlag;
const rounds = numberFlag(flags, 'rounds', 2);
const realFile = flags.get('file') ?? '/work/shared/data/online-retail.csv.gz';
const options = benchDecodeOptions();

const scripts: Record<string, string> = {
  [rev]: execFileSync('git', ['show', `${rev}:src/state/lua/apply-events.lua`], { cwd: repoRoot, encoding: 'utf8' }),
  src: readFileSync(path.join(scriptsDir, 'apply-events.lua'), 'utf8'),
};

function prepared(events: Iterable<CheckoutEvent>): PreparedBatch[] {
  const messages: KafkaMessage[] = [];
  for (const e of events) messages.push(consumedMessage(e, messages.length));
  const out: PreparedBatch[] = [];
  for (let i = 0; i < messages.length; i += 500) {
    out.push(prepareBatch(messages.slice(i, i + 500), { topic: 'bench', partition: 0 }, options, defaultRules));
  }
  return out;
}

/** Instructions executed by the process since callgrind's counters were last zeroed. */
function dumpInstructions(pid: number, dir: string): number {
  const before = new Set(readdirSync(dir));
  execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
  const file = readdirSync(dir).find((f) => !before.has(f) && f.startsWith('callgrind.out'));
  if (file === undefined) throw new Error('callgrind wrote no dump');
  const totals = /^(?:totals|summary):\s+(\d+)/m.exec(readFileSync(path.join(dir, file), 'utf8'));
  if (totals?.[1] === undefined) throw new Error(`no totals line in ${file}`);
  return Number(totals[1]);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-callgrind-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${path.join(dir, 'callgrind.out')}`,
      ...['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('valgrind did not start');
  const redis = createRedis(loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}` }).redis);
  const rows: string[][] = [];
  try {
    for (let i = 0; ; i++) {
      try {
        await redis.connect();
        await redis.ping();
        break;
      } catch (err) {
        if (i > 120) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const only = flags.get('only');
    const sets: [string, PreparedBatch[]][] = [];
    if (only === undefined || only === 'synthetic') {
      const data = new SyntheticOrders({
        customers: numberFlag(flags, 'synthetic-customers', 10_000),
        orders: numberFlag(flags, 'synthetic-orders', 50_000),
        seed: 1,
      });
      sets.push(['synthetic', prepared(data.events())]);
    }
    if (only === undefined || only === 'real') sets.push(['real', prepared(await readRealEvents(realFile))]);

    for (const [workload, batches] of sets) {
      const applied: Record<string, number[]> = {};
      for (let round = 0; round < rounds; round++) {
        for (const [name, lua] of Object.entries(scripts)) {
          const store = await StateStore.open(redis, {
            keyPrefix: `lua:${workload}:${name}:${round}`,
            windowDays: 365,
            shards: 6,
          });
          redis.defineCommand('applyEvents', { lua });
          execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
          let events = 0;
          for (const b of batches) events += (await store.applyBatch(b.changes, b.watermarkCandidateMs)).applied;
          const perEvent = dumpInstructions(pid, dir) / events;
          (applied[name] ??= []).push(perEvent);
          emit({ kind: 'lua-instructions', workload, script: name, round, events, instructionsPerEvent: perEvent });
          note(`${workload} ${name} round ${round}: ${Math.round(perEvent)} instructions per applied event`);
          await redis.flushdb();
        }
      }
      const base = Math.min(...(applied[rev] ?? [NaN]));
      for (const [name, xs] of Object.entries(applied)) {
        const best = Math.min(...xs);
        rows.push([
          workload,
          name,
          xs.map((x) => Math.round(x).toLocaleString('en-GB')).join(' / '),
          `${((best / base - 1) * 100).toFixed(1)} %`,
        ]);
      }
    }
  } finally {
    redis.disconnect();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write(
    `\n${markdownTable(['workload', 'apply-events.lua', 'Redis instructions per applied event, each round', `vs ${rev}`], rows)}\n`,
  );
}

await main();
