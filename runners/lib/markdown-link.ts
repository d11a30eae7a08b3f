// A path as the destination of a markdown link, `[text](destination)`.
// CommonMark ends a bare destination at whitespace and balances its
// parentheses, `#` and `?` start a fragment or a query, `%` an escape, and
// inside a table a `|` ends the cell: a file named `my notes (old).ts`
// written as it is gives a link that is not one. Those characters are
// percent-encoded (as UTF-8 bytes); everything else, non-ASCII letters
// included, stays readable, as GitHub and editors follow it either way.
const UNSAFE = /[\s%()<>#?[\]\\|`"]/gu;

export function linkDestination(path: string): string {
  return path.replace(UNSAFE, (char) =>
    [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
