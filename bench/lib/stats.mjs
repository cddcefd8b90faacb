// Small statistics for rounds of measurements.

export function median(values) {
  const list = values.filter((value) => typeof value === 'number' && Number.isFinite(value)).sort((a, b) => a - b);
  if (list.length === 0) return undefined;
  const middle = Math.floor(list.length / 2);
  return list.length % 2 === 1 ? list[middle] : (list[middle - 1] + list[middle]) / 2;
}

export function extent(values) {
  const list = values.filter((value) => typeof value === 'number' && Number.isFinite(value));
  return list.length === 0 ? [undefined, undefined] : [Math.min(...list), Math.max(...list)];
}

/** a / b, undefined unless both are finite numbers and b is not 0. */
export function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : undefined;
}

export function mean(a, b) {
  return typeof a === 'number' && typeof b === 'number' ? (a + b) / 2 : undefined;
}
