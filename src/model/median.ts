// The median of a typed column, for the segments' traits and profiles. Pure.

/**
 * The median of `values` (the mean of the two middle values when their number is even; 0 when
 * there are none), which it reorders in place. The same number as sorting them numerically and
 * reading the middle, in linear time: a million customers' columns were sorted several times per
 * fit. Values must not be NaN.
 */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  const upper = selectInPlace(values, mid);
  if (n % 2 === 1) return upper;
  // Every value before `mid` is now at most `upper`: the largest of them is the lower middle one.
  let lower = values[0]!;
  for (let i = 1; i < mid; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/**
 * Reorders `a` so that a[k] is the value a numeric sort would put there, those before it no larger
 * and those after it no smaller (Hoare's selection, a median-of-three pivot); returns a[k].
 */
function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const x = a[lo]!;
    const y = a[(lo + hi) >>> 1]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[lo..j] <= pivot <= a[i..hi], and a[j+1..i-1] equal the pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
