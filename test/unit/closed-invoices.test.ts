import { describe, expect, it } from 'vitest';
import { ClosedInvoices } from '../../src/replay/closed-invoices.js';

/** What ClosedInvoices stands for: the last `capacity` numbers added, as a plain list. */
class Remembered {
  private readonly numbers: string[] = [];
  constructor(private readonly capacity: number) {}
  add(invoice: string): void {
    if (this.capacity === 0) return;
    this.numbers.push(invoice);
    if (this.numbers.length > this.capacity) this.numbers.shift();
  }
  has(invoice: string): boolean {
    return this.numbers.includes(invoice);
  }
}

/** A deterministic sequence of numbers in [0, n). */
function* numbers(seed: number, n: number): Generator<number> {
  let s = seed >>> 0;
  for (;;) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    yield (s >>> 8) % n;
  }
}

describe('ClosedInvoices', () => {
  it('remembers the last numbers added and forgets the oldest first', () => {
    const closed = new ClosedInvoices(3);
    for (const invoice of ['536365', '536366', 'C536379', '536367']) closed.add(invoice);
    expect(['536365', '536366', 'C536379', '536367', '536368'].map((i) => closed.has(i))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('remembers nothing with no capacity', () => {
    const closed = new ClosedInvoices(0);
    closed.add('536365');
    expect(closed.has('536365')).toBe(false);
  });

  it('answers as a list of the last numbers would, through many turns of the ring', () => {
    // Few distinct numbers and a small ring: the index's probe runs are long and shift often.
    for (const capacity of [1, 2, 7, 64, 1000]) {
      const closed = new ClosedInvoices(capacity);
      const reference = new Remembered(capacity);
      const pick = numbers(capacity, capacity * 3 + 5);
      for (let step = 0; step < 10_000; step++) {
        const invoice = `${pick.next().value as number}`;
        expect(closed.has(invoice), `capacity ${capacity}, step ${step}`).toBe(reference.has(invoice));
        // As the assembler does: a number is added only while it is not remembered.
        if (!reference.has(invoice)) {
          closed.add(invoice);
          reference.add(invoice);
        }
      }
    }
  });

  it('tells apart numbers whatever their characters', () => {
    const closed = new ClosedInvoices(10);
    for (const invoice of ['A1', 'a1', '1A', 'É1', '']) closed.add(invoice);
    expect(['A1', 'a1', '1A', 'É1', '', 'A', '1'].map((i) => closed.has(i))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
