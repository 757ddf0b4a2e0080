/**
 * Pure mapping from the metrics SDK's ResourceMetrics to MetricPointRecords.
 */
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { AttributeMap, AttributeValue, MetricPointRecord } from '../schema/records';
import { hrTimeToNs } from './map-spans';

function attrs(a: Readonly<Record<string, unknown>>): AttributeMap {
  const out: AttributeMap = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v as AttributeValue;
  return out;
}

export function metricsToRecords(rm: ResourceMetrics): MetricPointRecord[] {
  const resource = attrs(rm.resource.attributes);
  const out: MetricPointRecord[] = [];
  for (const sm of rm.scopeMetrics) {
    for (const metric of sm.metrics) {
      const base = {
        name: metric.descriptor.name,
        unit: metric.descriptor.unit,
        resource,
        scopeName: sm.scope.name,
        temporality: metric.aggregationTemporality === 0 ? 1 : 2,
      };
      switch (metric.dataPointType) {
        case DataPointType.SUM:
          for (const p of metric.dataPoints)
            out.push({
              ...base,
              type: 'sum',
              monotonic: metric.isMonotonic,
              attributes: attrs(p.attributes),
              timeNs: hrTimeToNs(p.endTime),
              startTimeNs: hrTimeToNs(p.startTime),
              value: p.value,
            });
          break;
        case DataPointType.GAUGE:
          for (const p of metric.dataPoints)
            out.push({
              ...base,
              type: 'gauge',
              attributes: attrs(p.attributes),
              timeNs: hrTimeToNs(p.endTime),
              startTimeNs: hrTimeToNs(p.startTime),
              value: p.value,
            });
          break;
        case DataPointType.HISTOGRAM:
          for (const p of metric.dataPoints)
            out.push({
              ...base,
              type: 'histogram',
              attributes: attrs(p.attributes),
              timeNs: hrTimeToNs(p.endTime),
              startTimeNs: hrTimeToNs(p.startTime),
              count: p.value.count,
              ...(p.value.sum !== undefined ? { sum: p.value.sum } : {}),
              ...(p.value.min !== undefined ? { min: p.value.min } : {}),
              ...(p.value.max !== undefined ? { max: p.value.max } : {}),
              bounds: [...p.value.buckets.boundaries],
              bucketCounts: [...p.value.buckets.counts],
            });
          break;
        case DataPointType.EXPONENTIAL_HISTOGRAM:
          for (const p of metric.dataPoints)
            out.push({
              ...base,
              type: 'exp_histogram',
              attributes: attrs(p.attributes),
              timeNs: hrTimeToNs(p.endTime),
              startTimeNs: hrTimeToNs(p.startTime),
              count: p.value.count,
              ...(p.value.sum !== undefined ? { sum: p.value.sum } : {}),
              ...(p.value.min !== undefined ? { min: p.value.min } : {}),
              ...(p.value.max !== undefined ? { max: p.value.max } : {}),
              bounds: [p.value.scale, p.value.zeroCount, p.value.positive.offset, p.value.negative.offset],
              bucketCounts: [...p.value.positive.bucketCounts],
            });
          break;
      }
    }
  }
  return out;
}
