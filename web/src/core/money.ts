/**
 * Money in the wallet is an integer number of fen (1 CNY = 100 fen). These helpers format and parse
 * with integer and string arithmetic only: no float ever touches an amount.
 */

/** `12345` → `¥123.45`; `-3000` → `-¥30.00`; `signed` puts `+` before positive amounts. */
export function formatFen(fen: number, signed = false): string {
  if (!Number.isSafeInteger(fen)) return '¥—';
  const sign = fen < 0 ? '-' : signed && fen > 0 ? '+' : '';
  const abs = Math.abs(fen);
  const yuan = Math.trunc(abs / 100); // exact: abs is a safe integer and the division is truncated
  const cents = abs % 100;
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${grouped}.${String(cents).padStart(2, '0')}`;
}

/**
 * What the user typed, in yuan (`100`, `30.5`, `0.01`), as fen; null when it is not a positive amount
 * with at most two decimals. Parsed as text: `0.1 + 0.2` problems cannot happen.
 */
export function parseYuan(text: string): number | null {
  const match = /^\s*(\d{1,9})(?:\.(\d{0,2}))?\s*$/.exec(text.replace(/^¥/, ''));
  if (!match) return null;
  const fen = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return fen > 0 ? fen : null;
}
