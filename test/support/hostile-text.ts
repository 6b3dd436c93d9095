import fc from 'fast-check';

/**
 * Pieces of text that break naive handling: a lone surrogate of each kind,
 * NUL, a combining accent, right-to-left and bidi controls, precomposed and
 * decomposed "é", a dotted capital I (longer when lower-cased), whitespace,
 * control characters and an astral emoji.
 */
const awkward = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\u0000',
  '\u0301',
  '\u202e',
  'שלום',
  'é',
  'e\u0301',
  'İ',
  ' ',
  '\t',
  '\u0007',
  '🦀',
  '\ufeff',
);

/** Short text mixing any code points, graphemes and the awkward pieces above. */
export const hostileText = (maxPieces = 4): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 3 }),
        fc.string({ unit: 'grapheme', maxLength: 2 }),
        awkward,
      ),
      { maxLength: maxPieces },
    )
    .map((pieces) => pieces.join(''));
