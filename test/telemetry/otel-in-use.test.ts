/**
 * otelInUse (issue 19): an attempt skips OpenTelemetry when the API is installed but the application
 * registered nothing, and uses it as soon as any of a tracer provider, a meter provider or a
 * propagator is registered.
 */
import * as otel from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import test from "ava";
import { otelInUse } from "../../src/telemetry/instruments.js";

test.serial("nothing registered: not in use", (t) => {
  t.false(otelInUse(otel));
});

test.serial("a tracer provider alone: in use", (t) => {
  otel.trace.setGlobalTracerProvider(new BasicTracerProvider());
  t.true(otelInUse(otel));
  otel.trace.disable();
  t.false(otelInUse(otel));
});

test.serial("a meter provider alone: in use", (t) => {
  otel.metrics.setGlobalMeterProvider(new MeterProvider());
  t.true(otelInUse(otel));
  otel.metrics.disable();
  t.false(otelInUse(otel));
});

test.serial("a propagator alone: in use (the task's span carries the enqueuer's trace context)", (t) => {
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  t.true(otelInUse(otel));
  otel.propagation.disable();
  t.false(otelInUse(otel));
});
