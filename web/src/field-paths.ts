// Which form field an API error's path belongs to. Plain TypeScript (no DOM), so it is unit-tested alone.

/**
 * The form field that owns an API field path: `rubric.2.maxPoints` → `rubric`, `levels.2` → `levels`,
 * `title.zh` → `titleZh`, `policy` → `policyVersion`. A field named exactly so wins, then the longest
 * matching name; undefined when no field owns it (the form then shows the error above its fields).
 */
export function ownerOf(path: string, names: string[]): string | undefined {
  if (names.includes(path)) return path;
  const flat = path.replaceAll('.', '').toLowerCase();
  return names
    .filter(
      (n) =>
        path === n ||
        path.startsWith(`${n}.`) ||
        n.startsWith(path) ||
        n.toLowerCase() === flat ||
        flat.startsWith(n.toLowerCase()),
    )
    .sort((x, y) => y.length - x.length)[0];
}
