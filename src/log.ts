// Logging: pino JSON lines; one child logger per component (`logger.child({ component })`).
// LOG_PRETTY=1 switches to pino-pretty for humans at a terminal.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger } from 'pino';

/** Logs go to stderr: stdout belongs to the commands' output (CSV, JSON, summaries). */
export function createLogger(config: Config['log']): Logger {
  const options = {
    level: config.level,
    base: { service: 'insiders' },
    // Connection settings may carry credentials; never write them out.
    redact: { paths: ['password', '*.password', 'token', '*.token', 'sasl', '*.sasl'], censor: '[redacted]' },
  };
  return config.pretty
    ? pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2 } } })
    : pino(options, pino.destination(2));
}

/** A logger that writes nothing: the default in tests and in library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
