import { metrics, propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider, MetricReader, type DataPoint, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/** A metric reader the test collects from by hand. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The OpenTelemetry SDK an application would register, with in-memory exporters. */
export interface TestSdk {
  spans: InMemorySpanExporter;
  /** Collects the metrics now. */
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

/** Registers a tracer provider, a meter provider and the W3C propagator globally. */
export function registerTestSdk(): TestSdk {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    spans,
    collect: async () => (await reader.collect()).resourceMetrics,
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      propagation.disable();
    },
  };
}

/** The data points of metric `name`. */
export function points(resource: ResourceMetrics, name: string): DataPoint<unknown>[] {
  return resource.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
}
