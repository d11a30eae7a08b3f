// The report's inline stylesheet and script. The script only links the
// views: pointing at a stage anywhere (graph node, timeline bar, table row)
// highlights it everywhere, and clicking a node scrolls to its table row.
// No fonts, images or scripts are fetched: the file works offline.

export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #fff; --panel: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 16px; margin: 0 0 10px; }
section { margin-top: 22px; padding: 16px 18px; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; }
.scroll { overflow-x: auto; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; }
.facts div { min-width: 90px; }
.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; font-weight: 600; }
.status { padding: 1px 8px; border-radius: 10px; color: #fff; }
.status-success { background: #2e7d32; } .status-failed { background: #c62828; } .status-cancelled, .status-unfinished { background: #757575; }
.pill { display: inline-block; border: 1.5px solid; border-radius: 10px; padding: 0 7px; font-size: 12px; margin-right: 2px; background: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin-bottom: 10px; color: var(--muted); font-size: 12px; }
.legend i, .dot { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 5px; vertical-align: -1px; }
.note { color: var(--muted); margin: 0 0 10px; }
svg text { font-family: inherit; }
.node { cursor: pointer; }
.node-name { font-size: 13px; font-weight: 600; fill: var(--fg); }
.node-detail { font-size: 12px; }
.edge { fill: none; stroke: #90a4ae; stroke-width: 1.6; }
.pipeline-title { font-size: 13px; font-weight: 700; fill: var(--muted); }
.lane-label, .bar-label, .tick-label { font-size: 12px; fill: var(--muted); }
.lane-label { fill: var(--fg); }
.axis { stroke: #9aa5b1; } .tick { stroke: var(--line); }
.parallelism { fill: #90caf9; stroke: #1565c0; stroke-width: 1; }
.node.hl rect { stroke-width: 4; }
rect.bar.hl { stroke: #ffb300; stroke-width: 3; }
tr.hl td, li.hl { background: #fff3c4; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { padding: 5px 9px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.reasons, ul.failures { margin: 0; padding-left: 18px; }
ul.reasons li, ul.failures li { margin-bottom: 8px; }
pre { margin: 6px 0 0; padding: 8px 10px; background: #fff; border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
details summary { cursor: pointer; color: #1565c0; margin-top: 4px; }
pre.failure { border-color: #ef9a9a; background: #fff5f5; }
a { color: #1565c0; text-decoration: none; } a:hover { text-decoration: underline; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; }
`;

export const REPORT_JS = `
(function () {
  var all = Array.prototype.slice.call(document.querySelectorAll('[data-stage]'));
  function mark(stage, on) {
    all.forEach(function (el) { if (el.getAttribute('data-stage') === stage) el.classList.toggle('hl', on); });
  }
  all.forEach(function (el) {
    var stage = el.getAttribute('data-stage');
    el.addEventListener('mouseenter', function () { mark(stage, true); });
    el.addEventListener('mouseleave', function () { mark(stage, false); });
  });
  Array.prototype.forEach.call(document.querySelectorAll('.node'), function (node) {
    node.addEventListener('click', function () {
      var stage = node.getAttribute('data-stage');
      var row = all.filter(function (el) { return el.tagName === 'TR' && el.getAttribute('data-stage') === stage; })[0];
      if (row) row.scrollIntoView({ behavior: 'smooth', block: 'center' });
    });
  });
})();
`;
