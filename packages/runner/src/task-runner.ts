/**
 * The task protocol: one task per runner lifetime. `POST /task` claims the runner (a second one
 * gets 409), the task runs as the command with id `task`, its output goes to stdout as JSON log
 * lines, and its result stays readable through `GET /task` (with a long-poll for the end).
 */
import { TASK_OUTPUT_TAIL_BYTES } from './constants.js';
import type { FsRoot } from './fs-root.js';
import { HttpError, invalidArgument } from './http/errors.js';
import type { Logger } from './log.js';
import { signalNumber, type ProcessManager, type SpawnSpec } from './processes.js';
import { argv, envMap, positiveInt, rejectUnknown, requireObject, str } from './validate.js';
import type { TaskRequest, TaskResult, TaskState, TaskStatus } from './wire.js';

export const TASK_COMMAND_ID = 'task';

const TASK_FIELDS = ['taskID', 'message', 'command', 'env', 'cwd', 'timeoutMs'] as const;

export function parseTaskRequest(raw: unknown): TaskRequest {
  const body = requireObject(raw);
  rejectUnknown(body, TASK_FIELDS);
  const taskID = str(body, 'taskID', { required: true, nonEmpty: true });
  const message = str(body, 'message', { required: true });
  let command: string[] | string | undefined;
  if (typeof body.command === 'string') {
    command = str(body, 'command', { nonEmpty: true });
  } else if (body.command !== undefined) {
    if (!Array.isArray(body.command)) {
      throw invalidArgument('field "command" must be an argv array of strings or a shell string');
    }
    command = argv(body, 'command');
  }
  const env = envMap(body, 'env');
  const cwd = str(body, 'cwd');
  const timeoutMs = positiveInt(body, 'timeoutMs');
  return {
    taskID,
    message,
    ...(command !== undefined ? { command } : {}),
    ...(env ? { env } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

class Tail {
  private chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= TASK_OUTPUT_TAIL_BYTES) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - TASK_OUTPUT_TAIL_BYTES)).toString('utf8');
  }
}

export class TaskRunner {
  private state: TaskState = 'idle';
  private claimed = false;
  private task: TaskRequest | undefined;
  private commandId: string | undefined;
  private result: TaskResult | undefined;
  private resolveDone!: (result: TaskResult) => void;
  /** Resolves with the result when the task ends. */
  readonly done: Promise<TaskResult>;

  constructor(
    private readonly procs: ProcessManager,
    private readonly fsRoot: FsRoot,
    private readonly logger: Logger,
    private readonly defaultCommand: string | undefined,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  status(): TaskStatus {
    return {
      state: this.state,
      ...(this.task ? { task: { taskID: this.task.taskID, message: this.task.message } } : {}),
      ...(this.commandId ? { commandId: this.commandId } : {}),
      ...(this.result ? { result: this.result } : {}),
    };
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * Claims the runner for `task`, checks its cwd, and starts it in the background. Throws 409
   * when a task was already submitted; a failed cwd check releases the claim.
   */
  async submit(task: TaskRequest): Promise<void> {
    if (this.claimed) {
      throw new HttpError(
        409,
        'TASK_ALREADY_ASSIGNED',
        `this runner already has task "${this.task?.taskID ?? '(pending)'}"; a runner takes one task per lifetime`,
      );
    }
    this.claimed = true;
    let cwd;
    try {
      cwd = await this.fsRoot.resolve(task.cwd ?? '', { follow: true });
    } catch (error) {
      this.claimed = false;
      throw error;
    }
    this.task = task;
    this.state = 'running';
    this.logger.log('info', 'received task assignment', {
      taskID: task.taskID,
      message: task.message,
    });
    const command = task.command ?? this.defaultCommand;
    const spec: SpawnSpec = {
      id: TASK_COMMAND_ID,
      ...(Array.isArray(command) ? { cmd: command } : { shell: command ?? '' }),
      env: { ...task.env, CORRAL_TASK_ID: task.taskID, CORRAL_TASK_MESSAGE: task.message },
      cwd: cwd.abs,
      cwdRel: cwd.rel,
      ...(task.timeoutMs !== undefined ? { timeoutMs: task.timeoutMs } : {}),
    };
    void this.run(spec, command !== undefined);
  }

  private async run(spec: SpawnSpec, hasCommand: boolean): Promise<void> {
    const startedAt = new Date();
    const stdout = new Tail();
    const stderr = new Tail();
    let result: TaskResult;
    if (!hasCommand) {
      result = this.makeResult(
        startedAt,
        { exitCode: 0, signal: null, timedOut: false },
        stdout,
        stderr,
      );
    } else {
      try {
        const taskID = this.task!.taskID;
        const proc = await this.procs.start({
          ...spec,
          onOutput: (stream, chunk) => {
            (stream === 'stdout' ? stdout : stderr).add(chunk);
            this.logger.log('info', 'task output', {
              taskID,
              stream,
              data: chunk.toString('utf8'),
            });
          },
        });
        this.commandId = proc.id;
        const exit = await proc.exited;
        result = this.makeResult(startedAt, exit, stdout, stderr);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        result = {
          ...this.makeResult(
            startedAt,
            { exitCode: null, signal: null, timedOut: false },
            stdout,
            stderr,
          ),
          runnerExitCode: 127,
          error: `could not start the task's command: ${message}`,
        };
      }
    }
    this.result = result;
    this.state = 'exited';
    this.logger.log(result.runnerExitCode === 0 ? 'info' : 'warn', 'task finished', {
      taskID: this.task!.taskID,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      ...(result.error ? { error: result.error } : {}),
    });
    this.resolveDone(result);
  }

  private makeResult(
    startedAt: Date,
    exit: { exitCode: number | null; signal: string | null; timedOut: boolean },
    stdout: Tail,
    stderr: Tail,
  ): TaskResult {
    const endedAt = new Date();
    let runnerExitCode: number;
    if (exit.timedOut) runnerExitCode = 124;
    else if (exit.exitCode !== null) runnerExitCode = exit.exitCode;
    else if (exit.signal !== null) runnerExitCode = 128 + signalNumber(exit.signal);
    else runnerExitCode = 1;
    return {
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut: exit.timedOut,
      runnerExitCode,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      stdoutTail: stdout.text(),
      stderrTail: stderr.text(),
    };
  }
}
