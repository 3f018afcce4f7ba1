/** Shared command-line parsing for the subcommands. */

/** `--flag=value` → [`--flag`, `value`]; anything else → [arg, undefined]. */
export function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}
