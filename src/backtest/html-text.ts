/**
 * Text that goes into an HTML page: user strings escaped for element content and attributes, JSON made safe inside
 * a <script> element, and numbers written for people.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** NaN and ±Infinity as null (JSON has neither); bigint as its decimal text. */
export const jsonSafe = (_key: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? null : typeof v === 'bigint' ? v.toString() : v);

/**
 * JSON for a <script type="application/json"> element: `<`, `>` and `&` as \u escapes, so no string in it can close
 * the element (`</script>`) or open a comment; U+2028/2029 too, which older parsers treat as line ends.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, jsonSafe).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `decimals` places with thousands separators (1,234.56); NaN and infinities as "n/a". */
export function formatNumber(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const [whole, fraction] = Math.abs(v).toFixed(decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = v < 0 && Number(Math.abs(v).toFixed(decimals)) !== 0 ? '-' : '';
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
