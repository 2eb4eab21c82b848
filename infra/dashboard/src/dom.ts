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

/** "in 14 min", or "passed" once the time is behind us. */
export const until = (iso: string): string => {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (seconds <= 0) return 'passed';
  if (seconds < 60) return `in ${seconds} s`;
  if (seconds < 3600) return `in ${Math.round(seconds / 60)} min`;
  return `in ${Math.round(seconds / 3600)} h`;
};

/** One child of a keyed list: `signature` changes exactly when the child must be redrawn. */
export interface KeyedChild {
  key: string;
  signature: string;
  view: Raw;
}

const signatures = new WeakMap<Element, string>();

/**
 * Make `container`'s children the given ones, in order, keeping every child whose key and
 * signature are unchanged as it is: a live update never takes the focus from a button the
 * person is about to press, nor their scroll position in a payload.
 */
export const syncChildren = (container: Element, children: KeyedChild[]): void => {
  const existing = new Map<string, Element>();
  for (const el of [...container.children]) {
    const key = (el as HTMLElement).dataset.key;
    if (key !== undefined) existing.set(key, el);
    else el.remove();
  }
  const wanted = new Set(children.map((c) => c.key));
  for (const [key, el] of existing) if (!wanted.has(key)) el.remove();
  const make = (child: KeyedChild): Element => {
    const template = document.createElement('template');
    template.innerHTML = child.view.html.trim();
    const fresh = template.content.firstElementChild ?? document.createElement('div');
    (fresh as HTMLElement).dataset.key = child.key;
    signatures.set(fresh, child.signature);
    return fresh;
  };
  let cursor: Element | null = container.firstElementChild;
  for (const child of children) {
    let el = existing.get(child.key);
    if (el && signatures.get(el) !== child.signature) {
      if (cursor === el) cursor = el.nextElementSibling;
      el.remove();
      el = undefined;
    }
    el ??= make(child);
    if (el !== cursor) container.insertBefore(el, cursor);
    cursor = el.nextElementSibling;
  }
};
