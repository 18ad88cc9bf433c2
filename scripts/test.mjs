// `npm test`: compile, lint and check formatting, run vitest, then print the closing line CI reads
// ("vitest: N passed, N failed, N skipped"). Exit code is vitest's (or tsc's).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const REPORT = '.vitest-report.json';
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;

const tsc = run('npx', ['tsc', '-p', 'tsconfig.json']);
if (tsc !== 0) process.exit(tsc);
// The linter and the formatter's check are part of the tests.
const lint = run('npm', ['run', '--silent', 'lint']);
if (lint !== 0) process.exit(lint);
rmSync(REPORT, { force: true });
const code = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${REPORT}`, ...process.argv.slice(2)]);
if (!existsSync(REPORT)) process.exit(code || 1);
const report = JSON.parse(readFileSync(REPORT, 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
process.exit(code !== 0 ? code : report.numTotalTests > 0 ? 0 : 1);
