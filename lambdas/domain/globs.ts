/**
 * Action globs (policy action lists, approval rules, fleet action kills): `*` matches any run
 * of characters, dots included; everything else is literal.
 */
export const globMatches = (pattern: string, value: string): boolean => {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
};
