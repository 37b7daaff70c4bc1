package io.longstream.jobs.bench;

import io.longstream.inference.cpu.WorkerPool;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's limits, measured with the same threads and vector width as the kernels: streaming
 * read bandwidth from DRAM (over a footprint the size of the weights: small footprints read faster,
 * from caches) and the fused multiply-add rate. Speed figures are reported as fractions of these.
 */
public final class MachinePeaks {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int FMA_ITERATIONS = 50_000_000;
    /** Read patterns (1, 2 and 4 streams per thread) and passes of each per bandwidth measurement. */
    private static final int PATTERNS = 3;
    private static final int PASSES = 3;

    private MachinePeaks() {
    }

    /**
     * Passes in which every thread sums its own share of the footprint as ints (the way the bf16 kernels
     * read weights), three in each of 1, 2 and 4 concurrent streams: no one access pattern is fastest on
     * every machine. The footprint is allocated afresh each time: a buffer kept between probes read 3-7%
     * below a fresh one in this VM's fast band (the two change speed together), and once as low as
     * 18 GB/s, either of which would under-state the roofline.
     */
    public static ReadProbe readBandwidth(WorkerPool pool, long footprintBytes) {
        int threads = pool.threads();
        int intsPerThread = Math.toIntExact(Math.min(Integer.MAX_VALUE - 64, footprintBytes / Integer.BYTES / threads));
        int[][] arrays = new int[threads][intsPerThread];
        for (int[] a : arrays) {
            java.util.Arrays.fill(a, 1);
        }
        LongAdder sink = new LongAdder();
        double[][] passes = new double[PATTERNS][PASSES];
        for (int pass = 0; pass < PASSES * PATTERNS; pass++) {
            int pattern = pass % PATTERNS;
            int streams = 1 << pattern;
            long start = System.nanoTime();
            pool.forRange(threads, (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    sink.add(sum(arrays[t], streams));
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            passes[pattern][pass / PATTERNS] = (double) threads * intsPerThread * Integer.BYTES / seconds;
        }
        if (sink.sum() <= 0) {
            throw new IllegalStateException("bandwidth pass read nothing");
        }
        java.util.Arrays.fill(arrays, null);
        // collect the footprint now, so the collector does not clear gigabytes while the next measured work runs
        System.gc();
        return new ReadProbe(passes);
    }

    /** Sums a in {@code streams} equal parts read side by side, four vectors per step. */
    private static long sum(int[] a, int streams) {
        int l = I.length();
        int perStep = 4 / streams;
        int part = a.length / streams / (perStep * l) * (perStep * l);
        IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < part; i += perStep * l) {
            if (streams == 1) {
                s0 = s0.add(IntVector.fromArray(I, a, i));
                s1 = s1.add(IntVector.fromArray(I, a, i + l));
                s2 = s2.add(IntVector.fromArray(I, a, i + 2 * l));
                s3 = s3.add(IntVector.fromArray(I, a, i + 3 * l));
            } else if (streams == 2) {
                s0 = s0.add(IntVector.fromArray(I, a, i));
                s1 = s1.add(IntVector.fromArray(I, a, i + l));
                s2 = s2.add(IntVector.fromArray(I, a, part + i));
                s3 = s3.add(IntVector.fromArray(I, a, part + i + l));
            } else {
                s0 = s0.add(IntVector.fromArray(I, a, i));
                s1 = s1.add(IntVector.fromArray(I, a, part + i));
                s2 = s2.add(IntVector.fromArray(I, a, 2 * part + i));
                s3 = s3.add(IntVector.fromArray(I, a, 3 * part + i));
            }
        }
        int[] lanes = new int[l];
        s0.add(s1).add(s2).add(s3).intoArray(lanes, 0);
        long total = 0;
        for (int v : lanes) {
            total += v;
        }
        return total;
    }

    /** Best of several passes of independent FMA chains, enough of them to cover the FMA latency. */
    public static double fmaRate(WorkerPool pool) {
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
