import { z } from 'zod';

const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * The UTF-8 length of a string: what a store's index and row limits count.
 * A lone surrogate counts 3 bytes, as its replacement character would.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Why a string cannot be stored exactly, or null. SQLite and PostgreSQL keep
 * UTF-8, so a lone surrogate would come back as U+FFFD (two distinct ids
 * could become one after a restart), and PostgreSQL refuses NUL in text.
 */
export function textProblem(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return 'must not contain NUL (U+0000)';
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) i++;
    else return 'must be well-formed Unicode (it holds a lone surrogate)';
  }
  return null;
}

const byteLimitMessage = (maxBytes: number) => `must be at most ${maxBytes} bytes of UTF-8`;

/** Adds the issue a string has as stored text, or its size, to a zod check. */
function checkText(text: string, maxBytes: number, ctx: z.RefinementCtx) {
  const problem = textProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  else if (utf8Length(text) > maxBytes) {
    ctx.addIssue({ code: 'custom', message: byteLimitMessage(maxBytes) });
  }
}

/** Text kept exactly as given: well-formed, without NUL, at most `maxBytes` of UTF-8. */
export function textSchema(maxBytes: number) {
  return z.string().superRefine((text, ctx) => checkText(text, maxBytes, ctx));
}

/** A label compared and kept after trimming (tags, roles, names): not empty, well-formed, bounded. */
export function labelSchema(maxBytes: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .superRefine((text, ctx) => checkText(text, maxBytes, ctx));
}

/**
 * An identifier compared exactly after trimming and Unicode NFC, so that
 * "é" typed precomposed or as "e" + combining accent is one tenant.
 */
export function normalizedLabelSchema(maxBytes: number) {
  return z
    .string()
    .trim()
    .normalize('NFC')
    .min(1, 'must not be empty')
    .superRefine((text, ctx) => checkText(text, maxBytes, ctx));
}
