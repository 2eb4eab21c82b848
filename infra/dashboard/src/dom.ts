/** Small DOM helpers: every text goes through `escape`, so data never becomes markup. */
export const escape = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** Tagged template: interpolations are escaped unless wrapped in `raw()`. */
export interface Raw {
  readonly html: string;
}
export const raw = (html: string): Raw => ({ html });
export const html = (strings: TemplateStringsArray, ...values: unknown[]): Raw =>
  raw(
    strings.reduce((out, s, i) => {
      if (i === 0) return s;
      const v = values[i - 1];
      const text = Array.isArray(v)
        ? v.map((x) => (typeof x === 'object' && x !== null && 'html' in x ? (x as Raw).html : escape(x))).join('')
        : typeof v === 'object' && v !== null && 'html' in v
          ? (v as Raw).html
          : escape(v);
      return out + text + s;
    }, ''),
  );

export const $ = <T extends HTMLElement>(selector: string, root: ParentNode = document): T => {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
};

export const when = (iso: string | null | undefined): string => {
  if (!iso) return 'never';
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return new Date(iso).toLocaleString();
};
