// Writes the reports a run asked for, each fed from the same result tree.
import type { RunReport } from '../compare/result.js';
import { writeOutputFile } from '../emit/write-output.js';
import type { ReportFiles } from '../run/run-command.js';
import { jsonReport } from './json.js';
import { junitReport } from './junit.js';
import { ktapReport } from './ktap-report.js';

export function writeReports(report: RunReport, files: ReportFiles): void {
	if (files.json) writeOutputFile(files.json, jsonReport(report));
	if (files.junit) writeOutputFile(files.junit, junitReport(report));
	if (files.ktap) writeOutputFile(files.ktap, ktapReport(report));
}
