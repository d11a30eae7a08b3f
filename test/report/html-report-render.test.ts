import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html.js';
import { RunRecordSink } from '../../src/report/run-record.js';
import type { RunRecord } from '../../src/report/run-record.js';
import { runEvents } from './fixtures.js';

function record(): RunRecord {
  const sink = new RunRecordSink({ dir: '/nonexistent', argv: ['exec', 'p'] });
  for (const event of runEvents()) sink.handle(event);
  if (!sink.record) throw new Error('no record');
  return sink.record;
}

const count = (html: string, pattern: RegExp): number => html.match(pattern)?.length ?? 0;

describe('HTML report rendering', () => {
  const html = renderHtmlReport(record());

  it('draws one node per stage and one timeline bar per stage that did work', () => {
    expect(count(html, /<g class="node"/g)).toBe(4);
    // embed ran and lint failed; scan was a cache hit and report was blocked.
    expect(count(html, /<rect class="bar"/g)).toBe(2);
    expect(html).toMatch(/<g class="node" data-stage="p\/lint" data-outcome="failed"/);
    expect(html).toMatch(/<g class="node" data-stage="p\/scan" data-outcome="cached"/);
    expect(count(html, /<path class="edge"/g)).toBe(3);
  });

  it('needs nothing from the network', () => {
    const withoutNamespaces = html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '');
    expect(withoutNamespaces).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/);
    expect(html).not.toMatch(/@import|url\((?!#)/);
  });

  it('says why each stage ran and how the failed one failed', () => {
    expect(html).toContain(
      '<b>p/embed</b> ran: input changed: src/b.ts<pre class="why">inputs:\n  changed  src/b.ts</pre>',
    );
    expect(html).toContain('<pre class="failure">exit code 1; stderr ends with:\n  src/a.ts: 1 problem</pre>');
    expect(html).toContain('<b>p/report</b> <span style="color:#ef6c00">blocked</span>: upstream failed: lint');
  });

  it('tables items, hits, misses, memory and throughput per stage', () => {
    // embed: 100 items, 70 computed in 8 s, 30 hits.
    expect(html).toContain(
      '<td class="num">8.00s</td><td class="num">100</td><td class="num">70</td><td class="num">30</td><td class="num">70</td><td class="num">0</td><td class="num">120.0 MiB</td><td class="num">8.8 items/s</td>',
    );
  });

  it('escapes what came from the run', () => {
    const r = record();
    const lint = r.stages.find((s) => s.stage === 'lint');
    if (lint) lint.reason = '<script>alert(1)</script>';
    const escaped = renderHtmlReport(r);
    expect(escaped).not.toContain('<script>alert(1)</script>');
    expect(escaped).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });
});
