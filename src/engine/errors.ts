// Errors a user can act on: what was wrong, and what to try. Anything else is a bug.

export class UserError extends Error {
  constructor(
    message: string,
    readonly tryNext?: string,
    /** the process exit code the CLI should use */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** "No such container: web" */
export class NotFound extends UserError {
  constructor(kind: string, name: string, tryNext?: string) {
    super(`No such ${kind}: ${name}`, tryNext, 1);
    this.name = 'NotFound';
  }
}

/** The lab's state is in use by another boxlab command. */
export class LabBusy extends UserError {
  constructor(dir: string) {
    super(`Another boxlab command is using the lab at ${dir}.`, 'Wait for it to finish and run this again.', 1);
    this.name = 'LabBusy';
  }
}

/** The command line itself is wrong: exit code 2. */
export class UsageError extends UserError {
  constructor(message: string, tryNext?: string) {
    super(message, tryNext, 2);
    this.name = 'UsageError';
  }
}
