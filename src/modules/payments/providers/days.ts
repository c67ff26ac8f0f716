import { ProviderError } from './types.js';

/** `[start, end)` of a UTC day given as YYYY-MM-DD; ProviderError('rejected') for anything else. */
export function utcDay(day: string): { start: Date; end: Date } {
  const start = /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T00:00:00.000Z`) : new Date(NaN);
  if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== day) throw new ProviderError('rejected', `day must be a date as YYYY-MM-DD, got ${JSON.stringify(day)}`);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}
