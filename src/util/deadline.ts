/** `action`, or a rejection when it has not settled within `ms` (`onTimeout` is told first). */
export function withDeadline<T>(action: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`no answer within ${ms / 1000} s`));
    }, ms);
  });
  // Whatever the action does after its deadline has passed is of no interest.
  action.catch(() => {});
  return Promise.race([action, deadline]).finally(() => clearTimeout(timer));
}
