const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)$/;

/** Parses `500ms`, `30s`, `7d`; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const unit = UNIT_MS[match[2] ?? ''];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

/** The shortest readable form: 2000 -> `2s`, 90000 -> `1.5m`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && Number.isInteger((ms / size) * 10)) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
