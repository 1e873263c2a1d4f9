// What counts as a secret and how it is hidden, for configuration errors and for logs alike.

export const REDACTED = '[redacted]';

/** Variables and fields whose whole value is a secret: passwords, tokens, keys to a service. */
export function isSecretName(name: string): boolean {
  return /password|passwd|token|secret/i.test(name);
}

/**
 * A URL with its password replaced by [redacted] (the user name stays: it helps and is not a
 * secret). Text that does not parse as a URL still loses anything between `user:` and `@`.
 */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/\s:@]*:)[^/\s]*@/g, `$1${REDACTED}@`);
}
