// What `runner init` writes: a pipeline with one stage of each kind (map,
// task, shell) and the module its `run:` stages name. Both run as written,
// with or without the package installed in the workspace: the module
// imports only types from it, which tsx erases.

/** The pipeline `runner init` writes, and the command its last line suggests. */
export const STARTER_PIPELINE = 'hello';
export const STARTER_MODULE = 'stages/hello.ts';

/** pipelines.yaml, whose `$schema` is the schema inside the installed package. */
export function starterPipelines(packageName: string): string {
  return `# yaml-language-server: $schema=./node_modules/${packageName}/schemas/pipelines.schema.json
#
# Written by \`runner init\`. \`runner exec ${STARTER_PIPELINE}\` runs the pipeline below; run it
# again and every stage is \`cached\`: a stage reruns only when its key changes
# (its inputs, code, params, env or upstream). \`runner status ${STARTER_PIPELINE}\` says what
# would run and why. The schema above describes every field (editors with the
# YAML language server complete and check this file).
version: 1

pipelines:
  ${STARTER_PIPELINE}:
    description: Count the lines of each stage module and print the total
    params:
      greeting: Hello     # runner exec ${STARTER_PIPELINE} --param greeting=Hi
    stages:
      # A map stage (\`run\` with \`foreach\`): the export is called once per
      # item, here once per file matching the glob, as { path, hash }. With
      # \`scope: item\`, editing one file reruns only that file's item.
      count:
        run: ${STARTER_MODULE}#countLines
        foreach: { files: "stages/**/*.ts" }
        cache: { scope: item }

      # A task stage (\`run\` without \`foreach\`): called once. It reads the
      # records of the stages it \`needs\`; the files in \`outputs\` are stored
      # in the cache and restored when they go missing.
      summary:
        run: ${STARTER_MODULE}#summary
        needs: [count]
        params: [greeting]      # the params its code reads
        outputs: [out/summary.txt]

      # A shell stage: a command run by /bin/sh in this directory. The files
      # in \`inputs\` are content-hashed into its key.
      show:
        shell: cat out/summary.txt
        needs: [summary]
        inputs: [out/summary.txt]
`;
}

/** The stage module: one export per `run:` stage. */
export function starterModule(packageName: string): string {
  return `// Stage code for pipelines.yaml, written by \`runner init\`. It loads without a
// build step (TypeScript through tsx); \`run: ${STARTER_MODULE}#summary\` names an export.
import fs from 'node:fs';
import path from 'node:path';
import type { FileItem, ItemContext, StageContext } from '${packageName}';

// A map stage's export: called once per item; its return value is the item's
// record. For batches, a narrower cache key or a per-thread setup, export
// \`defineMap({ run, batch, key, emit, setup })\` from '${packageName}' instead.
// ctx.read(item) is the item's file as the runner hashed it for its key (on a
// first run, the bytes it already read: each file is read once).
export function countLines(item: FileItem, ctx: ItemContext) {
  const text = ctx.read(item, 'utf8');
  return { path: item.path, lines: text.split('\\n').length - 1 };
}

// A task stage's export: called once; it may also return records.
export async function summary(ctx: StageContext): Promise<void> {
  let files = 0;
  let lines = 0;
  for await (const record of ctx.upstream('count')) {
    files += 1;
    lines += Number(record.lines);
  }
  const file = ctx.workspace.resolve('out/summary.txt');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, \`\${String(ctx.params.greeting)}: \${lines} lines in \${files} stage module(s)\\n\`);
}
`;
}
