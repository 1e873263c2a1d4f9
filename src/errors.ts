// One error module: every error the service raises on purpose carries a machine-readable `code`
// and whether retrying the same operation can help. Callers branch on `code`, never on message text.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONNECTION_FAILED'
  | 'CONSUMER_FAILED'
  | 'CSV_ROW_INVALID'
  | 'EVENT_INVALID'
  | 'STATE_WRITE_FAILED'
  | 'CLICKHOUSE_FAILED'
  | 'METABASE_FAILED'
  | 'NOT_FOUND';

export class InsidersError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A setting that cannot be used: names the variable, the value given and the form expected. */
export class ConfigError extends InsidersError {
  readonly variable: string;

  constructor(variable: string, value: string | undefined, expected: string) {
    const shown = value === undefined ? '(unset)' : JSON.stringify(value);
    super('CONFIG_INVALID', `invalid configuration: ${variable}=${shown}; expected ${expected}`);
    this.variable = variable;
  }
}

/**
 * The order consumer stopped for good: its Kafka client crashed on an error it does not retry
 * (an authorization refused, say) and will not restart it, or a batch failed deterministically in
 * a way that is not one message's (a broken script). The process can no longer do its job.
 */
export class ConsumerFailedError extends InsidersError {
  readonly groupId: string;

  constructor(groupId: string, cause: unknown) {
    super('CONSUMER_FAILED', `the order consumer of group ${groupId} stopped for good: ${kafkaErrorReason(cause)}`, {
      cause,
    });
    this.groupId = groupId;
  }
}

/** JavaScript's own errors: thrown by a defect in the code (or a value it did not foresee), never by a server. */
const engineErrors = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/**
 * Redis answers that mean "not now" (loading, busy with a script, failing over, out of memory, a
 * script cache emptied by a restart): everything else Redis answers with an error (a script's own
 * error, WRONGTYPE) is the same whenever it is retried.
 */
const redisBusy = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MOVED|ASK|OOM|NOSCRIPT)\b/;

/**
 * Broker answers to a produce request that are the same whenever it is retried: the record itself
 * is refused (too large, malformed).
 */
const kafkaRecordRefused = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/**
 * Whether retrying the same operation can help. An InsidersError says so itself. Of other errors,
 * deterministic ones are not: JavaScript's own errors (a defect), Redis' error replies other than
 * "not now" ones, a broker refusing the record. Everything else a client raises (a connection
 * refused or lost, a timeout, a broker away) is service unavailability, which a retry can outlast.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof InsidersError) return err.retryable;
  if (!(err instanceof Error)) return false;
  if (engineErrors.some((kind) => err instanceof kind)) return false;
  if (err.name === 'ReplyError') return redisBusy.test(err.message);
  const type = (err as { type?: unknown }).type;
  if (err.name === 'KafkaJSProtocolError' && typeof type === 'string') return !kafkaRecordRefused.has(type);
  return true;
}

/**
 * What a kafkajs error comes down to, in one line: the innermost cause (kafkajs wraps the
 * broker's answer in errors of its own, as `cause`), by the broker's error type when it has one
 * (`GROUP_AUTHORIZATION_FAILED: Not authorized to access group: ...`), else by the error's name.
 */
export function kafkaErrorReason(err: unknown): string {
  let inner = err;
  for (let depth = 0; depth < 10 && inner instanceof Error && inner.cause !== undefined; depth++) inner = inner.cause;
  if (!(inner instanceof Error)) return String(inner);
  const type = (inner as { type?: unknown }).type;
  return `${typeof type === 'string' ? type : inner.name}: ${inner.message}`;
}

/**
 * ClickHouse 18.16 reports errors to @clickhouse/client as plain Errors whose text reads
 * "Code: 60, e.displayText() = DB::Exception: ..."; current servers set a numeric `code`.
 * Returns the server's error code either way, or undefined when the error did not come from it.
 */
export function clickhouseErrorCode(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && /^\d+$/.test(own)) return Number(own);
  if (typeof own === 'number') return own;
  const match = /\bCode:\s*(\d+)/.exec(err.message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
