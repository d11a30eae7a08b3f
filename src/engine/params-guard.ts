// ctx.params holds exactly the params a stage depends on (see
// src/config/stage-params.ts). Reading any other name is an error that says
// how to declare it, instead of an `undefined` the cache key never saw.
const PASS_THROUGH = new Set(['then', 'toJSON', 'constructor', 'inspect', 'valueOf', 'toString']);

export function guardParams(params: Record<string, unknown>, stageId: string): Readonly<Record<string, unknown>> {
  const frozen = Object.freeze({ ...params });
  return new Proxy(frozen, {
    get(target, name, receiver) {
      if (typeof name !== 'string' || Object.hasOwn(target, name) || PASS_THROUGH.has(name))
        return Reflect.get(target, name, receiver);
      throw new Error(
        `ctx.params.${name}: stage ${stageId} does not declare param "${name}"; add it to the stage in pipelines.yaml ` +
          `(params: [${name}]) so that it is part of the stage's cache key`,
      );
    },
  });
}
