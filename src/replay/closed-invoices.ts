// The numbers of the invoices closed most recently, to report rows that arrive after their
// invoice's event has gone. Bounded: at most `capacity` are remembered, the oldest forgotten first.
//
// A ring of the numbers with an open-addressing index over it (linear probing, keyed by a hash of
// the number's characters, entries removed by shifting back rather than left as tombstones), in
// typed arrays: nothing for the collector to trace, and a lookup reads one or two entries of a
// small array. A Set of the numbers beside the ring did the same with a lookup of every new
// invoice's fresh string, a deletion and an insertion per invoice, and a rehash of the whole Set
// every few tens of thousands of invoices: about a tenth of `insiders segment`'s time at a million
// customers. Exact: a hash match counts only when the numbers are equal.

/** FNV-1a over the UTF-16 units of the text, 32 bits. */
function invoiceHash(invoice: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < invoice.length; i++) h = Math.imul(h ^ invoice.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class ClosedInvoices {
  /** the ring: the numbers in the order they closed, from `next` on the oldest first */
  private readonly numbers: string[] = [];
  private readonly hashes: Int32Array;
  /** the index: ring position + 1 at the hash's slot or after it; 0 is an empty slot */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private next = 0;

  constructor(readonly capacity: number) {
    // At most 40 % of the slots in use, so that a probe ends after a slot or two.
    let size = 16;
    while (size * 0.4 < capacity) size *= 2;
    this.slots = new Int32Array(capacity > 0 ? size : 0);
    this.mask = size - 1;
    this.hashes = new Int32Array(capacity);
  }

  /** Whether this invoice number is among those remembered. */
  has(invoice: string): boolean {
    if (this.capacity === 0) return false;
    const h = invoiceHash(invoice);
    const { slots, mask } = this;
    for (let i = h & mask; slots[i] !== 0; i = (i + 1) & mask) {
      const at = slots[i]! - 1;
      if (this.hashes[at] === h && this.numbers[at] === invoice) return true;
    }
    return false;
  }

  /** Remembers an invoice number, forgetting the oldest once `capacity` are remembered. */
  add(invoice: string): void {
    if (this.capacity === 0) return;
    const at = this.next;
    if (this.numbers.length === this.capacity) this.unindex(at);
    const h = invoiceHash(invoice);
    this.numbers[at] = invoice;
    this.hashes[at] = h;
    const { slots, mask } = this;
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = at + 1;
    this.next = at + 1 === this.capacity ? 0 : at + 1;
  }

  /** Takes ring position `at` out of the index, moving back the entries probed past it. */
  private unindex(at: number): void {
    const { slots, mask } = this;
    let i = this.hashes[at]! & mask;
    while (slots[i] !== at + 1) i = (i + 1) & mask;
    for (let j = i; ;) {
      slots[i] = 0;
      for (;;) {
        j = (j + 1) & mask;
        if (slots[j] === 0) return;
        const home = this.hashes[slots[j]! - 1]! & mask;
        // The entry at j stays unless its home slot is cyclically outside (i, j].
        const stays = i <= j ? i < home && home <= j : i < home || home <= j;
        if (!stays) break;
      }
      slots[i] = slots[j]!;
      i = j;
    }
  }
}
