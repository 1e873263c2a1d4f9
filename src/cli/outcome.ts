// What a command reports without throwing: main() creates one per run and returns its exit code.

/** Set by a command's action to report its outcome without throwing. */
export interface CommandOutcome {
  exitCode: number;
}
