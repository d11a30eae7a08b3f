// Commands written in a README's code that name a script or a bin:
// `npm run build`, `pnpm run lint`, `yarn run test`, `npm test`, `npx wordy`,
// `pnpm exec wordy`. Only these forms are checked: they are how READMEs
// (ours included) tell people to run something, and they are unambiguous.

export type Command =
  | { kind: 'script'; name: string; text: string; isWorkspaceWide: boolean }
  | { kind: 'bin'; name: string; text: string };

const SEGMENT_SPLIT = /&&|\|\||[;|]/;
const RUN_SCRIPT = /(?:^|\s)(?:npm|pnpm|yarn)\s+run(?:-script)?\s+([A-Za-z0-9_@][^\s'"`)]*)/;
const TEST_SHORTHAND = /(?:^|\s)(?:npm|pnpm|yarn)\s+(test|t)(?=\s|$)/;
const NPX = /(?:^|\s)(?:npx|pnpm\s+exec|yarn\s+exec)\s+(?:(?:-y|--yes|--no-install|--no)\s+)*([A-Za-z0-9_@][^\s'"`)]*)/;
// Flags that run a script in other packages of the workspace, where this package's scripts do not apply.
const WORKSPACE_FLAGS =
  /(?:^|\s)(?:-w|-ws|--workspaces?(?:=\S+)?|--filter(?:=\S+)?|-r|--recursive|--if-present)(?=\s|$)|(?:^|\s)yarn\s+workspaces?\s/;

export function commandsIn(code: string): Command[] {
  const found: Command[] = [];
  for (const raw of code.split(SEGMENT_SPLIT)) {
    const segment = raw.trim();
    if (segment === '' || segment.startsWith('#')) continue;
    const isWorkspaceWide = WORKSPACE_FLAGS.test(segment);
    const script = RUN_SCRIPT.exec(segment)?.[1];
    if (script !== undefined) found.push({ kind: 'script', name: script, text: segment, isWorkspaceWide });
    else if (TEST_SHORTHAND.test(segment)) found.push({ kind: 'script', name: 'test', text: segment, isWorkspaceWide });
    const bin = NPX.exec(segment)?.[1];
    if (bin !== undefined) found.push({ kind: 'bin', name: stripVersion(bin), text: segment });
  }
  return found;
}

/** `wordy@1.2.0` and `@scope/tool@latest` name the package `wordy` and `@scope/tool`. */
function stripVersion(spec: string): string {
  const at = spec.indexOf('@', 1);
  return at === -1 ? spec : spec.slice(0, at);
}
