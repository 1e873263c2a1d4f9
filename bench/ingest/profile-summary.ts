// Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `real.ts --cpu-prof`): self time by
// area (kafkajs, ioredis, zod, crypto, the service's modules, GC, idle) and the top functions.
//
// npx tsx bench/ingest/profile-summary.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { numberFlag, parseFlags, round } from './lib.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The area a function belongs to, by its file. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)' || functionName === '(idle)' || functionName === '(program)') {
      return functionName;
    }
    return '(native)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1] !== undefined) {
    if (pkg[1] === 'kafkajs') {
      const sub =
        /kafkajs\/src\/(protocol\/recordBatch|protocol\/message|protocol\/requests\/fetch|consumer|network|protocol)/.exec(
          url,
        );
      return `kafkajs ${sub?.[1] ?? ''}`.trim();
    }
    return pkg[1];
  }
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  const src = /\/src\/(.+)$/.exec(url);
  if (src?.[1] !== undefined) return `src/${src[1]}`;
  const bench = /\/bench\/(.+)$/.exec(url);
  if (bench?.[1] !== undefined) return `bench/${bench[1]}`;
  return url;
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((s, v) => s + v, 0);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = `${functionName || '(anonymous)'} ${area}:${lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const pct = (us: number) => `${round((100 * us) / total, 1)} %`.padStart(7);
  const lines = [`total ${round(total / 1e6, 2)} s sampled`, '', 'self time by area:'];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`${pct(us)}  ${a}`);
  lines.push('', 'top functions (self):');
  for (const [f, us] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`${pct(us)}  ${f}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, ...rest] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top N]');
  const flags = parseFlags(rest);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  process.stdout.write(`${summarise(profile, numberFlag(flags, 'top', 25))}\n`);
}
