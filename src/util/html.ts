/**
 * @module
 * Escaping text for HTML (element content and quoted attribute values): the stats page and its
 * admin forms. A leaf: imports nothing.
 */

/** `&`, `<`, `>`, `"` and `'` as character references. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}
