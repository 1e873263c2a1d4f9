// Logging: pino JSON lines; one child logger per component (`logger.child({ component })`).
// LOG_PRETTY=1 switches to pino-pretty for humans at a terminal. Secrets never reach a line.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';
import { REDACTED, redactUrl } from './secrets.js';

export type { Logger } from 'pino';

/**
 * Fields whose value is a secret wherever they appear: the config (`redis.password`,
 * `kafka.sasl`, `clickhouse.password`, an admin token), an error carrying its client's settings
 * (`err.config`, `err.options`), request headers, a TLS private key. Matched up to five levels deep.
 */
const secretFields = ['password', 'token', 'adminToken', 'sasl', 'authorization', 'secret', 'tls.key', 'ssl.key'];
/** Fields holding a URL, which keeps everything but its password. */
const urlFields = ['url', 'href', 'brokers'];

const depths = ['', '*.', '*.*.', '*.*.*.', '*.*.*.*.'];
const redactPaths = depths.flatMap((prefix) => [...secretFields, ...urlFields].map((field) => prefix + field));

function censor(value: unknown, path: string[]): unknown {
  if (!urlFields.includes(path[path.length - 1] ?? '')) return REDACTED;
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((v: unknown) => (typeof v === 'string' ? redactUrl(v) : v));
  return value;
}

/** The options every logger of the service is made with; exported so tests can log to a stream. */
export function loggerOptions(config: Config['log']): LoggerOptions {
  return {
    level: config.level,
    base: { service: 'insiders' },
    redact: { paths: redactPaths, censor },
    serializers: {
      // An error's text may quote a URL with its credentials (a client's "cannot connect to ...").
      err: (err: Error) => {
        const shown = pino.stdSerializers.err(err);
        shown.message = redactUrl(shown.message);
        shown.stack = redactUrl(shown.stack);
        return shown;
      },
    },
    hooks: {
      logMethod(args, method) {
        // Messages are constant text by convention; this catches one that quotes a URL anyway.
        method.apply(
          this,
          args.map((a: unknown) => (typeof a === 'string' ? redactUrl(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
}

/**
 * Logs go to stderr: stdout belongs to the commands' output (CSV, JSON, summaries). Written
 * synchronously (a few lines a second at most), so that a command's last word on stderr comes
 * after every line logged before it, and a process that ends leaves no line unwritten.
 */
export function createLogger(config: Config['log'], destination?: DestinationStream): Logger {
  const options = loggerOptions(config);
  if (destination) return pino(options, destination);
  return config.pretty
    ? pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2 } } })
    : pino(options, pino.destination({ dest: 2, sync: true }));
}

/** A logger that writes nothing: the default in tests and in library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
