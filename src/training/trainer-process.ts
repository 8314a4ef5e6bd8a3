import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { trainingParametersSchema, type TrainingParameters } from '../events/training.ts';
import { findTorchPython } from '../services/index.ts';

/** The Python trainer that ships with Hydra. */
export const TRAINER_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../trainer/hydra_trainer.py',
);
export const TORCH_INSTALL = 'apt-get install python3-torch (Debian/Ubuntu) or pip install torch';

/**
 * The interpreter the trainer runs with: the first of HYDRA_PYTHON, /usr/bin/python3 and python3 on PATH
 * that imports torch (services' findTorchPython), else HYDRA_PYTHON or Debian's python, which then
 * reports no-torch with the install command.
 */
export async function defaultPython(): Promise<string> {
  const found = await findTorchPython(process.env.HYDRA_PYTHON || undefined);
  return found?.python ?? (process.env.HYDRA_PYTHON || '/usr/bin/python3');
}

// ---- what the trainer prints, one JSON object per stdout line

const startedLine = z.object({
  event: z.literal('started'),
  device: z.string(),
  labels: z.array(z.string()),
  train: z.number().int(),
  validation: z.number().int(),
  per_label: z.record(z.string(), z.number().int()),
  input: z.array(z.number().int()),
  frameworks: z.record(z.string(), z.string()),
});
const epochLine = z.object({
  event: z.literal('epoch'),
  epoch: z.number().int(),
  epochs: z.number().int(),
  loss: z.number(),
  val_loss: z.number(),
  val_accuracy: z.number(),
  val_balanced_accuracy: z.number().optional(),
  val_recall: z.record(z.string(), z.number()).optional(),
  lr: z.number(),
  images_per_second: z.number(),
  seconds: z.number(),
  cpu_seconds: z.number().optional(),
});
const completedLine = z.object({
  event: z.literal('completed'),
  model: z.string(),
  val_predictions: z.string(),
  info: z.string(),
  epochs_run: z.number().int(),
  best_epoch: z.number().int(),
  val_loss: z.number(),
  val_accuracy: z.number(),
  images_per_second: z.number(),
  duration_s: z.number(),
  device: z.string(),
  frameworks: z.record(z.string(), z.string()),
});
const failedLine = z.object({ event: z.literal('failed'), code: z.string(), reason: z.string() });
export const trainerLineSchema = z.discriminatedUnion('event', [startedLine, epochLine, completedLine, failedLine]);
export type TrainerLine = z.infer<typeof trainerLineSchema>;

export const trainerFailureCodes = [
  'too-few-labels',
  'nan-loss',
  'out-of-memory',
  'no-torch',
  'trainer-crashed',
  'dataset-error',
  'cancelled',
] as const;
export type TrainerFailureCode = (typeof trainerFailureCodes)[number];

export interface TrainerStarted {
  readonly device: string;
  readonly labels: readonly string[];
  readonly train: number;
  readonly validation: number;
  readonly perLabel: Readonly<Record<string, number>>;
  readonly frameworks: Readonly<Record<string, string>>;
}

export interface TrainerProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  /** Mean per-label recall on validation: what picks the best epoch. */
  readonly valBalancedAccuracy?: number;
  /** Validation recall of each label, by name. */
  readonly valRecall?: Readonly<Record<string, number>>;
  readonly learningRate: number;
  readonly imagesPerSecond: number;
  readonly seconds: number;
  /** CPU time the trainer process used in the epoch's training phase (all threads). */
  readonly cpuSeconds?: number;
}

export interface TrainerCompleted {
  readonly ok: true;
  readonly modelPath: string;
  readonly valPredictionsPath: string;
  readonly infoPath: string;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  readonly imagesPerSecond: number;
  readonly durationSeconds: number;
  readonly device: string;
  readonly frameworks: Readonly<Record<string, string>>;
}

export interface TrainerFailed {
  readonly ok: false;
  readonly code: TrainerFailureCode;
  readonly reason: string;
}

export type TrainerOutcome = TrainerCompleted | TrainerFailed;

export interface RunTrainerOptions {
  readonly datasetDir: string;
  readonly outDir: string;
  readonly parameters: z.input<typeof trainingParametersSchema>;
  /** Start from this backbone (models/backbone/backbone.pt) and train only its last blocks and the head. */
  readonly backbone?: { readonly path: string; readonly fineTuneBlocks?: number };
  /** Also write the trained convolutional blocks here, as a backbone for later runs. */
  readonly saveBackbone?: string;
  /** Start from this model's weights (another run's saveWeights) where the architecture matches; replaces the backbone. */
  readonly parent?: string;
  /** Also write the whole trained network's weights here, for a later run's `parent`. */
  readonly saveWeights?: string;
  /** Interpreter with torch; found by defaultPython() when not given. */
  readonly python?: string;
  readonly script?: string;
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string>>;
  readonly onStarted?: (s: TrainerStarted) => void;
  readonly onProgress?: (p: TrainerProgress) => void;
  /** Lines the trainer wrote to stderr, or stdout lines that are not trainer events. */
  readonly onLog?: (line: string) => void;
}

const STDERR_TAIL = 4000;

/** Parses one stdout line; anything that is not a trainer event is null. */
export function parseTrainerLine(line: string): TrainerLine | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const r = trainerLineSchema.safeParse(JSON.parse(trimmed));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function toFailureCode(code: string): TrainerFailureCode {
  return (trainerFailureCodes as readonly string[]).includes(code) ? (code as TrainerFailureCode) : 'trainer-crashed';
}

/**
 * Runs the trainer as a child process and resolves with how it ended. Expected failures (too few
 * labels, NaN loss, out of memory, no torch, a crash, cancellation through `signal`) resolve as
 * {ok: false, code, reason}; this never rejects for them.
 */
export async function runTrainer(opts: RunTrainerOptions): Promise<TrainerOutcome> {
  const parameters: TrainingParameters = trainingParametersSchema.parse(opts.parameters);
  const python = opts.python ?? (await defaultPython());
  await mkdir(opts.outDir, { recursive: true });
  if (opts.signal?.aborted) return { ok: false, code: 'cancelled', reason: 'cancelled before start' };

  const child = spawn(
    python,
    [
      opts.script ?? TRAINER_SCRIPT,
      '--dataset',
      opts.datasetDir,
      '--out',
      opts.outDir,
      '--params',
      JSON.stringify(parameters),
      ...(opts.backbone
        ? ['--backbone', opts.backbone.path, '--fine-tune-blocks', String(opts.backbone.fineTuneBlocks ?? 1)]
        : []),
      ...(opts.saveBackbone ? ['--save-backbone', opts.saveBackbone] : []),
      ...(opts.parent ? ['--parent', opts.parent] : []),
      ...(opts.saveWeights ? ['--save-weights', opts.saveWeights] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...opts.env },
    },
  );
  let stderr = '';
  let final: TrainerOutcome | undefined;
  let cancelled = false;

  child.stderr.setEncoding('utf8');
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr = `${stderr + line}\n`.slice(-STDERR_TAIL);
    opts.onLog?.(line);
  });
  const stdoutDone = new Promise<void>((resolve) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const msg = parseTrainerLine(line);
      if (!msg) return opts.onLog?.(line);
      if (msg.event === 'started') {
        opts.onStarted?.({
          device: msg.device,
          labels: msg.labels,
          train: msg.train,
          validation: msg.validation,
          perLabel: msg.per_label,
          frameworks: msg.frameworks,
        });
      } else if (msg.event === 'epoch') {
        opts.onProgress?.({
          epoch: msg.epoch,
          epochs: msg.epochs,
          loss: msg.loss,
          valLoss: msg.val_loss,
          valAccuracy: msg.val_accuracy,
          ...(msg.val_balanced_accuracy !== undefined ? { valBalancedAccuracy: msg.val_balanced_accuracy } : {}),
          ...(msg.val_recall !== undefined ? { valRecall: msg.val_recall } : {}),
          learningRate: msg.lr,
          imagesPerSecond: msg.images_per_second,
          seconds: msg.seconds,
          ...(msg.cpu_seconds !== undefined ? { cpuSeconds: msg.cpu_seconds } : {}),
        });
      } else if (msg.event === 'completed') {
        final = {
          ok: true,
          modelPath: path.resolve(opts.outDir, msg.model),
          valPredictionsPath: path.resolve(opts.outDir, msg.val_predictions),
          infoPath: path.resolve(opts.outDir, msg.info),
          epochsRun: msg.epochs_run,
          bestEpoch: msg.best_epoch,
          valLoss: msg.val_loss,
          valAccuracy: msg.val_accuracy,
          imagesPerSecond: msg.images_per_second,
          durationSeconds: msg.duration_s,
          device: msg.device,
          frameworks: msg.frameworks,
        };
      } else {
        final = { ok: false, code: toFailureCode(msg.code), reason: msg.reason };
      }
    });
    rl.on('close', resolve);
  });

  const onAbort = (): void => {
    cancelled = true;
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000).unref();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const exit = await new Promise<
    { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }
  >((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  opts.signal?.removeEventListener('abort', onAbort);
  if ('error' in exit) {
    return {
      ok: false,
      code: 'no-torch',
      reason: `cannot run the Python interpreter ${python} (${exit.error.code ?? exit.error.message}). Install torch: ${TORCH_INSTALL}; then set HYDRA_PYTHON to that python`,
    };
  }
  await stdoutDone;
  return settle(final, exit, cancelled, stderr);
}

/** How a finished child process ended, from its last trainer line, exit status and stderr. */
export function settle(
  final: TrainerOutcome | undefined,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  cancelled: boolean,
  stderr: string,
): TrainerOutcome {
  if (cancelled && !final?.ok) return { ok: false, code: 'cancelled', reason: 'training was cancelled' };
  if (final && (final.ok ? exit.code === 0 : true)) return final;
  const how = exit.signal
    ? `was killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`
    : `exited with status ${exit.code}`;
  const tail = stderr.trim() ? `; stderr:\n${stderr.trim().slice(-STDERR_TAIL)}` : '';
  return { ok: false, code: 'trainer-crashed', reason: `the trainer ${how} without reporting a result${tail}` };
}
