/**
 * Our own minimal protobuf definitions of the OTLP messages ingest reads and writes, parsed once
 * with protobufjs. Only the fields genscope uses are declared: the decoder skips unknown fields,
 * so senders that fill more (trace_state, flags, dropped counts, exemplars, entity refs) decode
 * fine. Field numbers follow the OTLP specification (opentelemetry-proto v1 common, resource,
 * trace, metrics, logs and the collector services); field names are camelCased by protobufjs, which is
 * exactly the OTLP JSON mapping's naming, so one mapper reads both encodings.
 */
import protobuf from 'protobufjs';

const OTLP_SUBSET = `
syntax = "proto3";
package genscope.otlp;

// --- common: attribute values ---
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue {
  string key = 1;
  AnyValue value = 2;
}
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
}
message Resource { repeated KeyValue attributes = 1; }

// --- traces ---
message Status {
  string message = 2;
  // 0 unset, 1 ok, 2 error
  int32 code = 3;
}
message SpanEvent {
  fixed64 time_unix_nano = 1;
  string name = 2;
  repeated KeyValue attributes = 3;
}
message SpanLink {
  bytes trace_id = 1;
  bytes span_id = 2;
  repeated KeyValue attributes = 4;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  // 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  repeated SpanEvent events = 11;
  repeated SpanLink links = 13;
  Status status = 15;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
}
message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
}

// --- metrics ---
message NumberDataPoint {
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  repeated KeyValue attributes = 7;
  uint32 flags = 8;
}
message HistogramDataPoint {
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  repeated KeyValue attributes = 9;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message ExpBuckets {
  sint32 offset = 1;
  repeated uint64 bucket_counts = 2;
}
message ExponentialHistogramDataPoint {
  repeated KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  ExpBuckets positive = 8;
  ExpBuckets negative = 9;
  uint32 flags = 10;
  optional double min = 12;
  optional double max = 13;
}
message SummaryDataPoint {
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
  repeated KeyValue attributes = 7;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum {
  repeated NumberDataPoint data_points = 1;
  // 0 unspecified, 1 delta, 2 cumulative
  int32 aggregation_temporality = 2;
  bool is_monotonic = 3;
}
message Histogram {
  repeated HistogramDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
}
message ExponentialHistogram {
  repeated ExponentialHistogramDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
}
message Summary { repeated SummaryDataPoint data_points = 1; }
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
}
message ScopeMetrics {
  InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
}
message ResourceMetrics {
  Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
}

// --- logs ---
message LogRecord {
  fixed64 time_unix_nano = 1;
  // 0 unspecified, 1 trace .. 24 fatal4
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  fixed64 observed_time_unix_nano = 11;
  string event_name = 12;
}
message ScopeLogs {
  InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
}
message ResourceLogs {
  Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
}

// --- collector services (the OTLP/HTTP request and response bodies) ---
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ExportMetricsPartialSuccess {
  int64 rejected_data_points = 1;
  string error_message = 2;
}
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }

message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ExportLogsPartialSuccess {
  int64 rejected_log_records = 1;
  string error_message = 2;
}
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }

// google.rpc.Status: the body of every OTLP/HTTP 4xx/5xx response (details are not sent).
message RpcStatus {
  int32 code = 1;
  string message = 2;
}
`;

// Enum fields are declared int32 (same varint wire format) so unknown values reach our validation
// as numbers instead of being coerced by the decoder.
const root = protobuf.parse(OTLP_SUBSET, { keepCase: false }).root;

function type(name: string): protobuf.Type {
  return root.lookupType(`genscope.otlp.${name}`);
}

/** The message types ingest decodes and encodes (also used by tests to build request bodies). */
export const OTLP_PROTO = {
  ExportTraceServiceRequest: type('ExportTraceServiceRequest'),
  ExportTraceServiceResponse: type('ExportTraceServiceResponse'),
  ExportMetricsServiceRequest: type('ExportMetricsServiceRequest'),
  ExportMetricsServiceResponse: type('ExportMetricsServiceResponse'),
  ExportLogsServiceRequest: type('ExportLogsServiceRequest'),
  ExportLogsServiceResponse: type('ExportLogsServiceResponse'),
  RpcStatus: type('RpcStatus'),
} as const;
