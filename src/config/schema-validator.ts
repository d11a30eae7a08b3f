// The compiled JSON Schema of pipelines.yaml. Run from source (tests), it is
// compiled here at load; the build (scripts/build.mjs) replaces this module
// with ajv's standalone code generated from the same options, so the CLI
// never compiles the schema at run time.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import schema from '../../schemas/pipelines.schema.json' with { type: 'json' };

export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true } as const;

export function createAjv(extra: { code?: { source: boolean; esm: boolean } } = {}): Ajv {
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  ajv.addKeyword({ keyword: 'x-expect', schemaType: 'string' });
  return ajv;
}

export const validate: ValidateFunction = createAjv().compile(schema);
