package io.longstream.jobs.bench;

import io.longstream.inference.cpu.WorkerPool;
import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's limits, measured with the same threads and vector width as the kernels: streaming
 * read bandwidth from DRAM and the fused multiply-add rate. Speed figures are reported as fractions
 * of these.
 */
public final class MachinePeaks {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Per thread: far larger than any last-level cache, so reads come from DRAM. */
    private static final int BANDWIDTH_FLOATS = 64 << 20;
    private static final int FMA_ITERATIONS = 50_000_000;

    public final double bytesPerSecond;
    public final double flopsPerSecond;

    private MachinePeaks(double bytesPerSecond, double flopsPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        this.flopsPerSecond = flopsPerSecond;
    }

    public static MachinePeaks measure(WorkerPool pool) {
        return new MachinePeaks(readBandwidth(pool), fmaRate(pool));
    }

    /** Best of several passes in which every thread sums its own large array. */
    static double readBandwidth(WorkerPool pool) {
        int threads = pool.threads();
        float[][] arrays = new float[threads][BANDWIDTH_FLOATS];
        for (float[] a : arrays) {
            java.util.Arrays.fill(a, 1f);
        }
        DoubleAdder sink = new DoubleAdder();
        double best = 0;
        for (int pass = 0; pass < 6; pass++) {
            long start = System.nanoTime();
            pool.forRange(threads, (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    sink.add(sum(arrays[t]));
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, (double) threads * BANDWIDTH_FLOATS * Float.BYTES / seconds);
        }
        if (sink.sum() <= 0) {
            throw new IllegalStateException("bandwidth pass read nothing");
        }
        return best;
    }

    private static float sum(float[] a) {
        int l = F.length();
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        for (int i = 0; i + 4 * l <= a.length; i += 4 * l) {
            s0 = s0.add(FloatVector.fromArray(F, a, i));
            s1 = s1.add(FloatVector.fromArray(F, a, i + l));
            s2 = s2.add(FloatVector.fromArray(F, a, i + 2 * l));
            s3 = s3.add(FloatVector.fromArray(F, a, i + 3 * l));
        }
        float[] lanes = new float[l];
        s0.add(s1).add(s2).add(s3).intoArray(lanes, 0);
        float total = 0;
        for (float v : lanes) {
            total += v;
        }
        return total;
    }

    /** Best of several passes of independent FMA chains, enough of them to cover the FMA latency. */
    static double fmaRate(WorkerPool pool) {
        int threads = pool.threads();
        DoubleAdder sink = new DoubleAdder();
        double best = 0;
        for (int pass = 0; pass < 4; pass++) {
            long start = System.nanoTime();
            pool.forRange(threads, (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    sink.add(fmaChains(FMA_ITERATIONS));
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, 2.0 * 12 * F.length() * FMA_ITERATIONS * threads / seconds);
        }
        if (Double.isNaN(sink.sum())) {
            throw new IllegalStateException("FMA pass produced NaN");
        }
        return best;
    }

    private static float fmaChains(int iterations) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f);
        FloatVector c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11);
        return s.lane(0);
    }
}
