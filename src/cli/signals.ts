// The commands that run until stopped wait for the first SIGINT or SIGTERM here. Once one came,
// or once `stopListening` was called, the signals have their default effect again: a second one
// ends the process at once.

export interface SignalWait {
  /** resolves with the name of the first signal */
  readonly received: Promise<NodeJS.Signals>;
  stopListening(): void;
}

export function untilSignal(): SignalWait {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const listeners = new Map<NodeJS.Signals, () => void>();
  const stopListening = () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
    listeners.clear();
  };
  const received = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of signals) {
      const listener = () => {
        stopListening();
        resolve(signal);
      };
      listeners.set(signal, listener);
      process.once(signal, listener);
    }
  });
  return { received, stopListening };
}
