/**
 * The offline default model client. It is a simulation, named as such everywhere: it reads the
 * design block out of the prompt and writes the component with codegen, making mistakes at a
 * rate set by the model's profile and a degradation knob. Everything is a function of (seed,
 * model, prompt), so runs are reproducible. Token usage is the real tokenizer's count of the
 * actual prompt and reply; latency is derived from the output tokens and waited on the clock.
 */
import { MISTAKE_KINDS, writeComponentTsx } from './codegen';
import type { MistakeKind, Verbosity, WriterChoices } from './codegen';
import { contentHash, unitHash } from './hash';
import type { CompletionOptions, CompletionResult, ModelClient, SleepClock } from './model-client';
import { parseGenerationPrompt } from './prompt';
import { countTokens, encodingForModel } from './tokenizer';

export interface SimulatedModelProfile {
  /** gen_ai.provider.name; with the model name it must be priced by @pydantic/genai-prices. */
  provider: string;
  /** Base chance of each kind of mistake at each layer (scaled by the kind's weight). */
  mistakeRate: number;
  /** Chance that a reply holds no code at all (the generate stage then fails). */
  refusalRate: number;
  verbosity: Verbosity;
  firstTokenMillis: number;
  millisPerOutputToken: number;
}

/** The models the simulated client can play. Rates are invented for the simulation, not measured. */
export const SIMULATED_MODEL_PROFILES: Readonly<Record<string, SimulatedModelProfile>> = {
  'gpt-4o': {
    provider: 'openai',
    mistakeRate: 0.02,
    refusalRate: 0.005,
    verbosity: 'normal',
    firstTokenMillis: 450,
    millisPerOutputToken: 11,
  },
  'gpt-4o-mini': {
    provider: 'openai',
    mistakeRate: 0.06,
    refusalRate: 0.01,
    verbosity: 'normal',
    firstTokenMillis: 320,
    millisPerOutputToken: 6,
  },
  'gpt-4.1': {
    provider: 'openai',
    mistakeRate: 0.015,
    refusalRate: 0.005,
    verbosity: 'verbose',
    firstTokenMillis: 500,
    millisPerOutputToken: 10,
  },
  'gpt-4.1-mini': {
    provider: 'openai',
    mistakeRate: 0.04,
    refusalRate: 0.01,
    verbosity: 'normal',
    firstTokenMillis: 300,
    millisPerOutputToken: 5,
  },
  'gpt-4.1-nano': {
    provider: 'openai',
    mistakeRate: 0.12,
    refusalRate: 0.03,
    verbosity: 'terse',
    firstTokenMillis: 200,
    millisPerOutputToken: 3,
  },
  'claude-3-5-haiku-latest': {
    provider: 'anthropic',
    mistakeRate: 0.05,
    refusalRate: 0.01,
    verbosity: 'normal',
    firstTokenMillis: 400,
    millisPerOutputToken: 7,
  },
  'claude-sonnet-4-0': {
    provider: 'anthropic',
    mistakeRate: 0.01,
    refusalRate: 0.005,
    verbosity: 'verbose',
    firstTokenMillis: 700,
    millisPerOutputToken: 13,
  },
};

/** How much more (or less) likely each kind of mistake is than the base rate. */
const MISTAKE_WEIGHTS: Record<MistakeKind, number> = {
  'drop-fill': 1,
  'drop-border': 0.8,
  'drop-radius': 1,
  'color-drift': 1.2,
  shift: 1.5,
  'font-size': 1,
  'drop-text': 0.4,
  'drop-accessible-name': 3,
  'inline-handler': 1.5,
  'unclosed-tag': 0.4,
};

/** How much a degradation of 1 adds to the base mistake rate (and to the refusal rate). */
const DEGRADATION_MISTAKE_RATE = 0.25;
const DEGRADATION_REFUSAL_RATE = 0.06;

export interface SimulatedModelClientOptions {
  model: string;
  /** Any value; the same seed, model and prompt give the same reply. Default 0. */
  seed?: number | string;
  /** 0..1 extra mistakes and refusals on top of the profile (the demo's quality knob). Default 0. */
  degradation?: number;
  /** Multiplies the simulated latency; 0 means no waiting at all. Default 1. */
  latencyScale?: number;
  /** The clock to wait on (pass telemetry.clock). Default: real timers. */
  clock?: SleepClock;
}

/** Error for a model name the simulated client has no profile for. */
export class UnknownModelError extends Error {
  constructor(model: string) {
    super(
      `unknown simulated model "${model}"; known models: ${Object.keys(SIMULATED_MODEL_PROFILES).join(', ')}`,
    );
    this.name = 'UnknownModelError';
  }
}

const realTimers: SleepClock = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export class SimulatedModelClient implements ModelClient {
  readonly name: string;
  readonly provider: string;
  readonly model: string;
  readonly simulated = true;
  readonly profile: SimulatedModelProfile;
  readonly seed: string;
  readonly degradation: number;
  readonly latencyScale: number;
  private readonly clock: SleepClock;

  constructor(options: SimulatedModelClientOptions) {
    const profile = SIMULATED_MODEL_PROFILES[options.model];
    if (profile === undefined) throw new UnknownModelError(options.model);
    const degradation = options.degradation ?? 0;
    if (!(degradation >= 0 && degradation <= 1))
      throw new Error(`degradation must be within [0, 1], got ${degradation}`);
    const latencyScale = options.latencyScale ?? 1;
    if (!(latencyScale >= 0 && Number.isFinite(latencyScale)))
      throw new Error(`latencyScale must be a finite number >= 0, got ${latencyScale}`);
    this.profile = profile;
    this.model = options.model;
    this.provider = profile.provider;
    this.name = `simulated:${options.model}`;
    this.seed = String(options.seed ?? 0);
    this.degradation = degradation;
    this.latencyScale = latencyScale;
    this.clock = options.clock ?? realTimers;
  }

  /** Probability of a mistake of this kind at one place, given profile and degradation. */
  mistakeProbability(kind: MistakeKind): number {
    return Math.min(
      0.95,
      (this.profile.mistakeRate + DEGRADATION_MISTAKE_RATE * this.degradation) * MISTAKE_WEIGHTS[kind],
    );
  }

  async complete(prompt: string, options: CompletionOptions = {}): Promise<CompletionResult> {
    const payload = parseGenerationPrompt(prompt);
    const key = [this.seed, this.model, payload.componentId, payload.target.id];
    // The draws do not depend on the degradation, only the thresholds do: raising the knob only
    // ever adds mistakes, so quality falls monotonically with it.
    const refuses =
      unitHash(...key, 'refusal') < this.profile.refusalRate + DEGRADATION_REFUSAL_RATE * this.degradation;
    let text: string;
    if (refuses) {
      text = `I can't reliably reproduce "${payload.componentName}" from this design export alone; could you share the interaction states and the ${payload.target.name} props you expect?`;
    } else {
      const choices: WriterChoices = {
        mistake: (kind, where) => unitHash(...key, kind, where) < this.mistakeProbability(kind),
        amount: (kind, where) => unitHash(...key, kind, where, 'amount'),
        verbosity: this.profile.verbosity,
        writerLabel: `genscope simulated model client (${this.model} profile)`,
      };
      const code = writeComponentTsx(payload, choices);
      const intro =
        this.profile.verbosity === 'terse'
          ? ''
          : `Here is \`${payload.componentName}\`, built as the ${payload.library} ${payload.target.name}.\n\n`;
      const outro =
        this.profile.verbosity === 'verbose'
          ? '\nEach layer keeps the exact position, size and colours of the design export, and the root element carries the role and ARIA attributes of the target component so assistive technology announces it correctly.\n'
          : '';
      text = `${intro}\`\`\`tsx\n${code}\`\`\`\n${outro}`;
    }
    const encoding = encodingForModel(this.model);
    const inputTokens = await countTokens(prompt, encoding);
    let outputTokens = await countTokens(text, encoding);
    let finishReason = 'stop';
    const max = options.maxOutputTokens;
    if (max !== undefined && outputTokens > max) {
      // As a real model does: the reply stops at the bound, and says so.
      text = text.slice(0, Math.floor((text.length * max) / outputTokens));
      outputTokens = Math.min(max, await countTokens(text, encoding));
      finishReason = 'length';
    }
    const jitter = 0.75 + 0.5 * unitHash(...key, 'latency');
    const waitMillis =
      (this.profile.firstTokenMillis + this.profile.millisPerOutputToken * outputTokens) *
      jitter *
      this.latencyScale;
    if (waitMillis > 0) await this.clock.sleep(waitMillis);
    return {
      text,
      usage: {
        inputTokens,
        outputTokens,
        responseModel: this.model,
        // A completion id as services give one; like the reply, a function of seed, model and prompt.
        responseId: `simcmpl-${contentHash(this.seed, this.model, prompt).slice(0, 24)}`,
        finishReasons: [finishReason],
      },
    };
  }
}

/** The kinds of mistakes the simulation can make (for documentation and tests). */
export const SIMULATED_MISTAKE_KINDS: readonly MistakeKind[] = MISTAKE_KINDS;
