// What verify needs from a markdown file, in one pass over its lines: the
// links and images (inline, reference definitions, and HTML src/href),
// the code (fenced blocks and inline spans, where commands are written),
// and the fences that are never closed. Text inside code and inside HTML
// comments holds no links. Fences follow CommonMark: up to three spaces of
// indent, three or more backticks or tildes, closed by a fence of the same
// character at least as long.

export interface MarkdownLink {
  target: string;
  line: number;
  isImage: boolean;
}

export interface CodeText {
  text: string;
  line: number;
}

export interface MarkdownScan {
  links: MarkdownLink[];
  code: CodeText[];
  fences: number;
  unclosedFences: { line: number; fence: string }[];
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const CODE_SPAN = /(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g;
const INLINE_LINK =
  /(!?)\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;
const HTML_LINK = /<(img|a|source|video|audio)\b[^>]*?\s(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;

export function scanMarkdown(text: string): MarkdownScan {
  const scan: MarkdownScan = { links: [], code: [], fences: 0, unclosedFences: [] };
  let fence: { char: string; length: number; line: number; marker: string } | undefined;
  let isInComment = false;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    if (fence) {
      const close = FENCE_CLOSE.exec(raw);
      if (close?.[1] && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      else scan.code.push({ text: raw, line });
      continue;
    }
    let prose = raw;
    if (isInComment) {
      const end = prose.indexOf('-->');
      if (end === -1) continue;
      prose = prose.slice(end + 3);
      isInComment = false;
    }
    const open = isInComment ? null : FENCE_OPEN.exec(prose);
    if (open?.[1] && !(open[1][0] === '`' && (open[2] ?? '').includes('`'))) {
      fence = { char: open[1][0] ?? '`', length: open[1].length, line, marker: open[1] };
      scan.fences++;
      continue;
    }
    prose = prose.replace(/<!--[\s\S]*?-->/g, ' ');
    const commentStart = prose.indexOf('<!--');
    if (commentStart !== -1) {
      prose = prose.slice(0, commentStart);
      isInComment = true;
    }
    prose = prose.replace(CODE_SPAN, (_, _ticks: string, content: string) => {
      scan.code.push({ text: content.trim(), line });
      return ' ';
    });
    for (const match of prose.matchAll(INLINE_LINK))
      scan.links.push({ target: unwrap(match[2] ?? ''), line, isImage: match[1] === '!' });
    const definition = REFERENCE_DEFINITION.exec(prose);
    if (definition) scan.links.push({ target: unwrap(definition[1] ?? ''), line, isImage: false });
    for (const match of prose.matchAll(HTML_LINK)) {
      scan.links.push({ target: match[2] ?? match[3] ?? '', line, isImage: (match[1] ?? '').toLowerCase() !== 'a' });
    }
  }
  if (fence) scan.unclosedFences.push({ line: fence.line, fence: fence.marker });
  return scan;
}

/** Whether a link target points into the repository (not a URL, not `mailto:`, not a bare `#anchor`). */
export function isRelativeTarget(target: string): boolean {
  if (target === '' || target.startsWith('#') || target.startsWith('//')) return false;
  return !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target);
}

/** The path part of a relative target: no `#fragment` or `?query`, percent-decoded. */
export function targetPath(target: string): string {
  const bare = target.replace(/[?#].*$/, '');
  try {
    return decodeURIComponent(bare);
  } catch {
    return bare;
  }
}

function unwrap(target: string): string {
  return target.startsWith('<') && target.endsWith('>') ? target.slice(1, -1) : target;
}
