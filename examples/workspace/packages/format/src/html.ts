import type { Token } from '@example/core';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);
}

/** Builds an HTML fragment one element at a time. */
export class HtmlWriter {
  #parts: string[] = [];

  element(tag: string, text: string, attributes: Record<string, string> = {}): this {
    const attrs = Object.entries(attributes)
      .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
      .join('');
    this.#parts.push(`<${tag}${attrs}>${escapeHtml(text)}</${tag}>`);
    return this;
  }

  toString(): string {
    return this.#parts.join('');
  }
}

/** Words in `<span>`s, numbers in `<data>`s, everything else as text. */
export function formatHtml(tokens: readonly Token[]): string {
  const writer = new HtmlWriter();
  for (const token of tokens) {
    if (token.kind === 'word') writer.element('span', token.text);
    else if (token.kind === 'number') writer.element('data', token.text, { value: token.text });
    else writer.element('span', token.text, { class: token.kind });
  }
  return writer.toString();
}
