// `insiders replay` end to end: read the export, report problems, publish the events, print a
// summary. Returns the exit code: 0 when everything publishable was published (problems are
// reported, not fatal), 1 when Kafka failed. An unusable input file throws InsidersError.
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Kafka, Producer } from 'kafkajs';
import { InsidersError } from '../errors.js';
import type { CheckoutEvent } from '../events/schema.js';
import { createProducer, ensureTopics } from '../infra/kafka.js';
import type { ReplayItem } from './invoices.js';
import { readOnlineRetail } from './online-retail.js';
import { createProgress, type ProgressView } from './progress.js';
import { publishEvents } from './publish.js';
import { formatSummary, ReplayStats } from './stats.js';

export interface ReplayRequest {
  readonly file: string;
  readonly topic: string;
  /** partitions of the topic when it has to be created */
  readonly partitions: number;
  /** ISO 4217 code written on every event */
  readonly currency: string;
  readonly ratePerSecond?: number;
  readonly limit?: number;
}

export interface ReplayIo {
  readonly kafka: Kafka;
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
  readonly now?: () => number;
}

/** Problems printed one by one; the rest are only counted in the summary. */
const PRINTED_PROBLEMS = 20;

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT') throw new InsidersError('NOT_FOUND', `no such file: ${file}`, { cause: err });
    throw new InsidersError('CSV_ROW_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The events of the items, counting rows and problems and printing the first problems. */
async function* eventsOf(
  items: AsyncIterable<ReplayItem>,
  stats: ReplayStats,
  progress: ProgressView,
): AsyncGenerator<CheckoutEvent> {
  for await (const item of items) {
    stats.countRead(item);
    if (item.kind === 'event') {
      yield item.event;
      continue;
    }
    const nth = stats.problemCount;
    if (nth <= PRINTED_PROBLEMS) progress.log(`line ${item.line}: ${item.reason}`);
    else if (nth === PRINTED_PROBLEMS + 1) progress.log('(further problems are only counted)');
  }
}

export async function runReplay(request: ReplayRequest, io: ReplayIo): Promise<number> {
  const now = io.now ?? Date.now;
  const started = now();
  const totalBytes = await fileSize(request.file);
  const stats = new ReplayStats();
  let bytesRead = 0;
  let progress: ProgressView | undefined;
  let producer: Producer | undefined;
  let stoppedBy: string | undefined;
  let failure: unknown;
  try {
    const admin = io.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [{ topic: request.topic, numPartitions: request.partitions }]);
    } finally {
      await admin.disconnect();
    }
    producer = createProducer(io.kafka);
    await producer.connect();

    const view = createProgress(io.stderr, { totalBytes, now });
    progress = view;
    const show = (): void => view.update({ bytesRead, rows: stats.rows, published: stats.published });
    const items = readOnlineRetail(request.file, {
      currency: request.currency,
      onBytesRead: (bytes) => {
        bytesRead = bytes;
        show();
      },
    });
    await publishEvents(eventsOf(items, stats, view), producer, {
      topic: request.topic,
      ...(request.ratePerSecond === undefined ? {} : { ratePerSecond: request.ratePerSecond }),
      ...(request.limit === undefined ? {} : { limit: request.limit }),
      onPublished: (events) => {
        stats.countPublished(events);
        show();
      },
    });
    if (request.limit !== undefined && stats.published >= request.limit) {
      stoppedBy = `stopped at --limit ${request.limit}`;
    }
  } catch (err) {
    failure = err;
    stoppedBy = err instanceof InsidersError ? 'input failed' : 'Kafka failed';
  } finally {
    progress?.stop();
    await producer?.disconnect().catch(() => undefined);
  }

  const seconds = (now() - started) / 1000;
  const context = { file: request.file, topic: request.topic, seconds };
  io.stdout.write(`${formatSummary(stats, stoppedBy === undefined ? context : { ...context, stoppedBy })}\n`);
  if (failure === undefined) return 0;
  if (failure instanceof InsidersError) throw failure;
  const message = failure instanceof Error ? failure.message : (JSON.stringify(failure) ?? 'unknown error');
  io.stderr.write(`insiders replay: ${message}\n`);
  return 1;
}
