export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

export function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}
