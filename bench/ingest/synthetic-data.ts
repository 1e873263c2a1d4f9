// A deterministic synthetic order stream for the ingest benchmark: N customers, M orders over one
// year, in time order. Shaped after the UCI data, scaled up:
//   - orders per customer: 1 + a log-normal share of the rest (sigma 1.1): most customers order a
//     few times, a long tail orders hundreds of times;
//   - order times: uniform days over 2025, 08:00-20:00 London time, fewer at weekends;
//   - lines per order: log-normal, median 3, mean about 4, at most 60, distinct products;
//   - products: a catalogue of 4,000 stock codes with Zipf(1) popularity, a fixed price each;
//   - quantities from a retail-like mix (1, 2, 3, 4, 6, 12, 24).
// Seeded (xoshiro128**): the same options always give the same events, byte for byte.
import type { OrderEvent } from '../../src/events/schema.js';
import { epochMsToLondonIso } from '../../src/replay/london-time.js';

export interface SyntheticOptions {
  readonly customers: number;
  readonly orders: number;
  readonly seed: number;
  readonly products?: number;
}

/** xoshiro128**: small, fast, good enough for test data; seeded through splitmix32. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** uniform in [0, 1) */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(): number {
    // Box-Muller; 1 - u keeps log() away from 0
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const YEAR_START_MS = Date.UTC(2025, 0, 1);
const DAYS = 365;
const COUNTRIES = ['Germany', 'France', 'EIRE', 'Spain', 'Netherlands', 'Belgium', 'Switzerland', 'Portugal'];
const QUANTITIES = [1, 1, 1, 2, 2, 3, 4, 6, 6, 12, 12, 24];
const WORDS = ['WHITE', 'RED', 'HEART', 'VINTAGE', 'LANTERN', 'BAG', 'CAKE', 'SET', 'CANDLE', 'JUMBO', 'RETRO', 'MUG'];

interface Product {
  readonly sku: string;
  readonly description: string;
  readonly unitPrice: string;
}

export function customerId(index: number): string {
  return String(100_000 + index);
}

/**
 * The orders, in time order. Memory: a few bytes per order for the schedule (customer and time of
 * every order, sorted); events are built one at a time as they are iterated.
 */
export class SyntheticOrders {
  readonly products: readonly Product[];
  /** per order, sorted by time: time (seconds into the year) * 2^20 + customer index */
  private readonly schedule: Float64Array;
  private readonly cumulative: Float64Array;
  private readonly countryOf: Uint8Array;

  constructor(readonly options: SyntheticOptions) {
    if (options.customers > 2 ** 20) throw new Error('at most 2^20 customers (the schedule packs indexes in 20 bits)');
    if (options.orders < options.customers) throw new Error('every customer orders at least once: orders >= customers');
    const rng = new Rng(options.seed);
    const n = options.products ?? 4000;
    const products: Product[] = [];
    const cumulative = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += 1 / (k + 1);
      cumulative[k] = sum;
      const price = Math.max(0.1, Math.exp(Math.log(2.1) + 0.9 * rng.normal()));
      const words = Array.from({ length: 3 + rng.int(3) }, () => WORDS[rng.int(WORDS.length)]).join(' ');
      products.push({
        // digits first: the business rules count only stock codes with a digit as products
        sku: `${20000 + k * 13}${k % 5 === 0 ? 'A' : ''}`,
        description: words,
        unitPrice: price.toFixed(2),
      });
    }
    for (let k = 0; k < n; k++) cumulative[k] = (cumulative[k] ?? 0) / sum;
    this.products = products;
    this.cumulative = cumulative;

    // Orders per customer: 1 each, the rest shared by log-normal weights, rounded at random so the
    // shares sum to the total; the remainder is settled one order at a time.
    const c = options.customers;
    const counts = new Uint32Array(c);
    const weights = new Float64Array(c);
    let total = 0;
    for (let i = 0; i < c; i++) {
      const w = Math.exp(1.1 * rng.normal());
      weights[i] = w;
      total += w;
    }
    const extra = options.orders - c;
    let assigned = 0;
    for (let i = 0; i < c; i++) {
      const share = (extra * (weights[i] ?? 0)) / total;
      const k = 1 + Math.floor(share) + (rng.next() < share - Math.floor(share) ? 1 : 0);
      counts[i] = k;
      assigned += k;
    }
    while (assigned !== options.orders) {
      const i = rng.int(c);
      if (assigned < options.orders) {
        counts[i] = (counts[i] ?? 0) + 1;
        assigned++;
      } else if ((counts[i] ?? 0) > 1) {
        counts[i] = (counts[i] ?? 0) - 1;
        assigned--;
      }
    }
    this.countryOf = new Uint8Array(c);
    for (let i = 0; i < c; i++) this.countryOf[i] = rng.next() < 0.9 ? 255 : rng.int(COUNTRIES.length);

    const schedule = new Float64Array(options.orders);
    let o = 0;
    for (let i = 0; i < c; i++) {
      for (let k = 0; k < (counts[i] ?? 0); k++) schedule[o++] = this.randomSecond(rng) * 2 ** 20 + i;
    }
    schedule.sort();
    this.schedule = schedule;
  }

  /** seconds into the year: a day (weekends at 60 %), then 08:00-20:00 */
  private randomSecond(rng: Rng): number {
    for (;;) {
      const day = rng.int(DAYS);
      const weekday = new Date(YEAR_START_MS + day * 86_400_000).getUTCDay();
      if ((weekday === 0 || weekday === 6) && rng.next() > 0.6) continue;
      return day * 86_400 + 8 * 3600 + rng.int(12 * 3600);
    }
  }

  private product(rng: Rng): Product {
    const u = rng.next();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 1) < u) lo = mid + 1;
      else hi = mid;
    }
    const p = this.products[lo];
    if (p === undefined) throw new Error('no products');
    return p;
  }

  /** Every order, in time order; `only` keeps those of the customers it holds (by index). */
  *events(only?: ReadonlySet<number>): Generator<OrderEvent> {
    // A separate stream for the order contents, so that `only` does not change them.
    const rng = new Rng(this.options.seed ^ 0x5bd1e995);
    for (let o = 0; o < this.schedule.length; o++) {
      const packed = this.schedule[o] ?? 0;
      const customer = packed % 2 ** 20;
      const second = (packed - customer) / 2 ** 20;
      const lineCount = Math.min(60, Math.max(1, Math.round(Math.exp(Math.log(3) + 0.7 * rng.normal()))));
      const chosen = new Map<string, Product>();
      while (chosen.size < lineCount) {
        const p = this.product(rng);
        chosen.set(p.sku, p);
      }
      const quantities = Array.from(chosen.values(), () => QUANTITIES[rng.int(QUANTITIES.length)] ?? 1);
      if (only !== undefined && !only.has(customer)) continue;
      const country = this.countryOf[customer] ?? 255;
      yield {
        type: 'order',
        orderId: String(5_000_000 + o),
        schemaVersion: 1,
        customerId: customerId(customer),
        occurredAt: epochMsToLondonIso(YEAR_START_MS + second * 1000),
        currency: 'GBP',
        country: country === 255 ? 'United Kingdom' : (COUNTRIES[country] ?? 'France'),
        lines: Array.from(chosen.values(), (p, i) => ({
          sku: p.sku,
          description: p.description,
          quantity: quantities[i] ?? 1,
          unitPrice: p.unitPrice,
        })),
      };
    }
  }
}
