// Errors the CLI turns into one line and an exit code, never a stack trace.

/** Bad usage or bad input: exit 2. */
export class UsageError extends Error {
	readonly exitCode = 2;
}

/** Something outside the tool failed (a missing compiler, a failed apt install): exit 3. */
export class InfrastructureError extends Error {
	readonly exitCode = 3;
}
