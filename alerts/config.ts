/**
 * The alerts config file: a JSON file with rules to seed and webhook targets,
 * `{ "rules": [...], "webhooks": [{ "name", "url", "format": "json" | "slack" }] }`, validated
 * with schema/alerts.ts. Errors name the file, the place (rules[2].windowMillis) and the problem.
 */
import fs from 'node:fs';
import type { z } from 'zod';
import { AlertsConfigFile } from '../schema/alerts';
import type { Db } from '../store';
import { seedRules } from './store';
import type { SeedResult } from './store';

/** A config file that cannot be used, with every problem found. */
export class AlertsConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`alerts config ${file}: ${problems.join('; ')}`);
    this.name = 'AlertsConfigError';
  }
}

/** 'rules[2].filters.score' from a zod path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** One line per zod issue, digging into union branches for the useful message. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && 'errors' in issue && issue.errors.length > 0 && !('discriminator' in issue && issue.discriminator)) {
      const branch = issue.errors.find((e) => e.length > 0 && e[0]?.code !== 'invalid_type');
      if (branch) {
        out.push(...formatZodIssues(branch, path));
        continue;
      }
    }
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    else if (issue.code === 'invalid_type' && issue.input === undefined) message = 'is required';
    const where = formatIssuePath(path);
    out.push(where ? `${where}: ${message}` : message);
  }
  return out;
}

/** Reads and validates an alerts config file; throws AlertsConfigError with clear reasons. */
export function loadAlertRulesFile(file: string): AlertsConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AlertsConfigError(file, [code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AlertsConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  // A bare array is accepted as the rules list.
  const parsed = AlertsConfigFile.safeParse(Array.isArray(json) ? { rules: json } : json);
  if (!parsed.success) throw new AlertsConfigError(file, formatZodIssues(parsed.error.issues));
  return parsed.data;
}

/** Loads a config file and upserts its rules by name (source 'config'). */
export function seedAlertRulesFromFile(db: Db, file: string, nowMs: number): SeedResult & { config: AlertsConfigFile } {
  const config = loadAlertRulesFile(file);
  return { ...seedRules(db, config.rules, nowMs, 'config'), config };
}
