/**
 * Settings under /api/v1 that a person changes while the server runs: the monthly budget.
 * GET needs a read key, PUT an admin key (api/auth.ts decides from the method, like every write).
 * The budget is stored in the store's state database, so it survives restarts.
 */
import { Router } from 'express';
import { z } from 'zod';
import { BudgetSettingInput } from '../../schema/api';
import type { BudgetSettingResponse } from '../../schema/api';
import { writeBudget } from '../../store';
import type { StoredBudget } from '../../store';
import type { RouteDeps } from '../deps';
import { storedBudget } from '../deps';
import { HttpError } from '../errors';
import { parseWith } from '../validate';

const NoQuery = z.strictObject({});

function answer(b: StoredBudget | null): BudgetSettingResponse {
  return { monthlyBudgetUsd: b?.monthlyUsd ?? null, source: b?.source ?? null, updatedAtMs: b?.updatedAtMs ?? null };
}

export function settingsRouter(deps: RouteDeps): Router {
  const r = Router();
  r.get('/budget', (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    res.json(answer(storedBudget(deps)));
  });
  r.put('/budget', (req, res) => {
    parseWith(NoQuery, req.query, 'query');
    if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'send the budget as application/json: {"monthlyBudgetUsd": 250}');
    const body = parseWith(BudgetSettingInput, req.body, 'body');
    res.json(answer(writeBudget(deps.store.alertStateDb, body.monthlyBudgetUsd, 'api', deps.clock())));
  });
  return r;
}
