import { createHash } from 'node:crypto';

const names = new Map<string, string>();

/**
 * A statement the server parses and plans once per connection, named for
 * its text: the store's hot statements run thousands of times a second, and
 * planning them again each time cost more of the server's time than running
 * them.
 */
export function prepared(text: string): { readonly name: string; readonly text: string } {
  let name = names.get(text);
  if (name === undefined) {
    name = `dr_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text };
}
