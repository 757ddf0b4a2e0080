/**
 * The envelope both OTLP requests share: request -> resource{Spans|Metrics}[] (resource
 * attributes) -> scope{Spans|Metrics}[] (scope name) -> items. Walks it, checking its structure
 * (a malformed envelope is a 400 naming the place), and hands each item to the caller.
 */
import { attributesOf } from './attributes';
import type { AttributeContext } from './attributes';
import { badData } from './errors';
import { field, isWireObject, listField, objectField } from './wire';
import type { WireObject } from './wire';
import type { AttributeMap } from '../../schema/records';

export function listOrThrow(o: WireObject, name: string, where: string): unknown[] {
  const list = listField(o, name);
  if (list === null) throw badData(`${where}.${name} must be a list`);
  return list;
}

export function objectOrThrow(v: unknown, where: string): WireObject {
  if (!isWireObject(v)) throw badData(`${where} must be an object`);
  return v;
}

export interface EnvelopeNames {
  /** e.g. ExportTraceServiceRequest */
  request: string;
  /** e.g. resourceSpans */
  resources: string;
  /** e.g. scopeSpans */
  scopes: string;
  /** e.g. spans */
  items: string;
  /** e.g. span (for "span is not an object") */
  item: string;
}

export function walkEnvelope(
  request: unknown,
  names: EnvelopeNames,
  ctx: AttributeContext,
  visit: (item: WireObject, resource: AttributeMap, scopeName: string | undefined) => void,
): void {
  const req = objectOrThrow(request, names.request);
  listOrThrow(req, names.resources, names.request).forEach((rValue, i) => {
    const rWhere = `${names.resources}[${i}]`;
    const r = objectOrThrow(rValue, rWhere);
    const res = objectField(r, 'resource');
    if (res === null) throw badData(`${rWhere}.resource must be an object`);
    const resource = res ? attributesOf(field(res, 'attributes'), ctx, 'resource') : {};
    listOrThrow(r, names.scopes, rWhere).forEach((sValue, j) => {
      const sWhere = `${rWhere}.${names.scopes}[${j}]`;
      const s = objectOrThrow(sValue, sWhere);
      const scope = objectField(s, 'scope');
      if (scope === null) throw badData(`${sWhere}.scope must be an object`);
      const scopeName = scope ? (ctx.flavor.str(field(scope, 'name')) ?? undefined) : undefined;
      for (const item of listOrThrow(s, names.items, sWhere)) {
        if (!isWireObject(item)) {
          ctx.issues.reject(`${names.item} is not an object`);
          continue;
        }
        visit(item, resource, scopeName);
      }
    });
  });
}
