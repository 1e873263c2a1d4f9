// Dense indices for texts (customer ids, stock codes), for InMemoryCustomers: index 0 for the first
// text added, 1 for the next, and so on. Pure.
//
// A text of up to SHORT_TEXT_UNITS ASCII characters (every customer id and nearly every stock code
// of an Online Retail export) is looked up by a number that spells it exactly (shortTextKey), in an
// open-addressing table of typed arrays; any other text in a Map. At a million customers the
// Map's lookup of an id string (its hash computed anew, as each row's strings are new, then a
// bucket, an entry and the key's characters, each far in memory) was a large part of applying an
// event; the table's is a few arithmetic steps and one slot, which holds the key and the index side
// by side.

/** The most characters a text may have to be kept by its shortTextKey. */
export const SHORT_TEXT_UNITS = 7;

/**
 * A number that spells `text` exactly, or -1 when it cannot: its characters (each below 128, as
 * ASCII's) as digits of a number in base 129, one more than their code (0 stands for "no more
 * characters"), padded to SHORT_TEXT_UNITS digits. Different texts of up to SHORT_TEXT_UNITS ASCII
 * characters give different numbers, all integers below 129^7 < 2^53, so exact as doubles.
 */
export function shortTextKey(text: string): number {
  const n = text.length;
  if (n > SHORT_TEXT_UNITS) return -1;
  let key = 0;
  for (let i = 0; i < SHORT_TEXT_UNITS; i++) {
    const c = i < n ? text.charCodeAt(i) + 1 : 0;
    if (c > 128) return -1;
    key = key * 129 + c;
  }
  return key;
}

/** No entry: what TextIndex.get answers for a text never added. */
export const ABSENT = -1;

/** Slots empty in the table hold this key (shortTextKey's keys are never negative). */
const EMPTY = -1;

/** Slots of an empty table; it doubles before it is more than half full (short probe runs). */
const INITIAL_SLOTS = 1024;

export class TextIndex {
  /** slot s: key at [2s], index at [2s + 1]; both in one array, so a lookup reads one place */
  private slots = new Float64Array(2 * INITIAL_SLOTS).fill(EMPTY);
  /** slots - 1: slots are a power of two */
  private mask = INITIAL_SLOTS - 1;
  private keyed = 0;
  /** texts with no short key */
  private readonly others = new Map<string, number>();

  /** The index given to `text`, or ABSENT. */
  get(text: string): number {
    const key = shortTextKey(text);
    return key < 0 ? (this.others.get(text) ?? ABSENT) : this.getKey(key);
  }

  /** Gives `text`, which must not have one, the index `index`. */
  add(text: string, index: number): void {
    const key = shortTextKey(text);
    if (key < 0) this.others.set(text, index);
    else this.addKey(key, index);
  }

  /** Forgets every text, giving the table's memory back. */
  clear(): void {
    this.slots = new Float64Array(2 * INITIAL_SLOTS).fill(EMPTY);
    this.mask = INITIAL_SLOTS - 1;
    this.keyed = 0;
    this.others.clear();
  }

  private getKey(key: number): number {
    const slots = this.slots;
    for (let s = slotOf(key, this.mask); ; s = (s + 1) & this.mask) {
      const at = slots[2 * s]!;
      if (at === key) return slots[2 * s + 1]!;
      if (at === EMPTY) return ABSENT;
    }
  }

  private addKey(key: number, index: number): void {
    if (2 * (this.keyed + 1) > this.mask + 1) this.grow();
    this.keyed++;
    this.place(this.slots, this.mask, key, index);
  }

  private place(slots: Float64Array, mask: number, key: number, index: number): void {
    let s = slotOf(key, mask);
    while (slots[2 * s] !== EMPTY) s = (s + 1) & mask;
    slots[2 * s] = key;
    slots[2 * s + 1] = index;
  }

  private grow(): void {
    const old = this.slots;
    const size = 2 * (this.mask + 1);
    const slots = new Float64Array(2 * size).fill(EMPTY);
    const mask = size - 1;
    for (let s = 0; s < old.length; s += 2) if (old[s] !== EMPTY) this.place(slots, mask, old[s]!, old[s + 1]!);
    this.slots = slots;
    this.mask = mask;
  }
}

/** The first slot to probe for a key: both halves of the key mixed, then masked. */
function slotOf(key: number, mask: number): number {
  const low = key >>> 0;
  const high = (key / 0x1_0000_0000) >>> 0;
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & mask;
}
