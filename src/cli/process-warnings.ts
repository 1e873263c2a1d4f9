// Process warnings, printed as Node prints them (to stderr), but for one that says nothing to an
// operator: kafkajs 2.2.4, its latest release, asks for a negative timeout in its request queue on
// every connection, which Node 24 reports as a TimeoutNegativeWarning (tulios/kafkajs#1751). Node
// then waits 1 ms, which is what kafkajs meant. That warning, from that place only, is dropped.

/** Is this the warning of kafkajs' request queue described above? */
export function isKafkajsNegativeTimeout(warning: Error): boolean {
  return (
    warning.name === 'TimeoutNegativeWarning' &&
    /kafkajs[\\/]src[\\/]network[\\/]requestQueue/.test(warning.stack ?? '')
  );
}

/** Replaces Node's printing of process warnings with the same printing, less the one above. */
export function printProcessWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (isKafkajsNegativeTimeout(warning)) return;
    process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
  });
}
