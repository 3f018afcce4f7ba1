/** Latency summaries for the benchmarks (milliseconds in, milliseconds out). */
export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles of the samples. */
export function stats(samplesMs: readonly number[]): Stats {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), mean, min: s[0]!, max: s[s.length - 1]! };
}
