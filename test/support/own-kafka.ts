// A Kafka broker of the test's own: the same KRaft single-node broker scripts/stack runs, from the
// jars infra/kafka/pom.xml names (resolved by Maven once, from ~/.m2), on free ports with its own
// log directory, so a test can stop, kill and restart it without touching the stack's broker.
//
// Clients connect to the CLIENT listener, whose security protocol the test picks (PLAINTEXT by
// default; SASL_PLAINTEXT, SSL or SASL_SSL with the matching `properties`). The broker talks to
// itself over a PLAINTEXT listener of its own, so client-side security never locks it out.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { haltProcess, type OwnServer } from './server-process.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const infra = fileURLToPath(new URL('../../infra/kafka/', import.meta.url));

/**
 * The JVM's just-in-time compiler stops at its first tier (C1): a test's broker lives for a minute
 * or two, and C2's compiling at start-up costs more CPU, on the two cores the whole suite shares,
 * than its faster code gives back (test/README.md, "Where the CPU goes").
 */
const jvmFlags = ['-XX:TieredStopAtLevel=1'];

/**
 * A KRaft cluster id as `StorageTool random-uuid` prints it (Kafka's Uuid: 16 random bytes in
 * URL-safe base64 without padding, never starting with "-"), without a JVM of its own.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export type KafkaSecurityProtocol = 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';

export interface OwnKafkaOptions {
  /** the client listener's security protocol */
  readonly protocol?: KafkaSecurityProtocol;
  /** broker properties added to (or overriding) the stack's server.properties */
  readonly properties?: Readonly<Record<string, string>>;
  /** more `kafka-storage format` arguments, e.g. ['--add-scram', 'SCRAM-SHA-256=[name=u,password=p]'] */
  readonly formatArgs?: readonly string[];
}

export interface OwnKafka extends OwnServer {
  /** host:port of the client listener */
  readonly broker: string;
}

/** The broker's jars, resolved from ~/.m2 into a folder per pom version and kept for later runs. */
async function brokerLibs(): Promise<string> {
  const pom = path.join(infra, 'pom.xml');
  const digest = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 12);
  const libs = path.join(os.tmpdir(), `insiders-kafka-libs-${digest}`);
  if (existsSync(libs)) return libs;
  const partial = `${libs}.${process.pid}.partial`;
  await run('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`], {
    maxBuffer: 16 * 1024 * 1024,
  });
  // Another worker may have finished first: its folder is as good as ours.
  await rename(partial, libs).catch(() => rm(partial, { recursive: true, force: true }));
  return libs;
}

function withProperties(base: string, overrides: Readonly<Record<string, string>>): string {
  const lines = base.split('\n').filter((line) => {
    const key = /^([^#=\s][^=]*)=/.exec(line)?.[1];
    return key === undefined || !(key in overrides);
  });
  for (const [key, value] of Object.entries(overrides)) lines.push(`${key}=${value}`);
  return `${lines.join('\n')}\n`;
}

export async function ownKafka(options: OwnKafkaOptions = {}): Promise<OwnKafka> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'insiders-kafka-'));
  const [clientPort, internalPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  const protocol = options.protocol ?? 'PLAINTEXT';
  await mkdir(path.join(dir, 'kafka/data'), { recursive: true });
  await mkdir(path.join(dir, 'kafka/log'), { recursive: true });
  const base = (await readFile(path.join(infra, 'server.properties'), 'utf8'))
    .replaceAll('@STATE_DIR@', dir)
    .replaceAll('@KAFKA_CONTROLLER_PORT@', String(controllerPort));
  const properties = withProperties(base, {
    listeners: `CLIENT://127.0.0.1:${clientPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `CLIENT://127.0.0.1:${clientPort},INTERNAL://127.0.0.1:${internalPort}`,
    'inter.broker.listener.name': 'INTERNAL',
    'listener.security.protocol.map': `CLIENT:${protocol},INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT`,
    ...options.properties,
  });
  const config = path.join(dir, 'server.properties');
  await writeFile(config, properties);
  const libs = await brokerLibs();
  const classpath = `${libs}/*`;
  await run('java', [
    ...jvmFlags,
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId(),
    '-c',
    config,
    ...(options.formatArgs ?? []),
  ]);

  const serverLog = path.join(dir, 'kafka/log/server.log');
  let child: ChildProcess | undefined;
  const halt = async (signal: NodeJS.Signals) => {
    await haltProcess(child, signal);
    child = undefined;
  };
  return {
    broker: `127.0.0.1:${clientPort}`,
    dir,
    async start() {
      await writeFile(serverLog, '');
      child = spawn(
        'java',
        [
          '-Xms128m',
          '-Xmx512m',
          '-XX:+UseG1GC',
          ...jvmFlags,
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${path.join(infra, 'log4j2.properties')}`,
          `-Dkafka.logs.dir=${path.join(dir, 'kafka/log')}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          config,
        ],
        { stdio: 'ignore' },
      );
      await waitFor(async () => (await readFile(serverLog, 'utf8')).includes('Kafka Server started'), {
        timeoutMs: 120_000,
        intervalMs: 200,
        what: 'the test Kafka broker to start',
      });
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async destroy() {
      await halt('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
