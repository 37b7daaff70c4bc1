package io.longstream.inference.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Seeded N(0, sigma) samples encoded as bf16, drawn by looking up 16 random bits in a table of the
 * normal's 65536 quantiles, so one 64-bit draw yields four weights without any transcendental calls.
 */
final class NormalBf16 {
    private static final int LEVELS = 1 << 16;

    private final long[] quantiles;
    private final SplittableRandom random;

    NormalBf16(double sigma, long seed) {
        this.quantiles = quantileTable(sigma);
        this.random = new SplittableRandom(seed);
    }

    /** Appends {@code count} samples to {@code out}, which must be little-endian and have room. */
    void fill(ByteBuffer out, int count) {
        if (out.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("safetensors data is little-endian");
        }
        long[] q = quantiles;
        int quads = count / 4;
        for (int i = 0; i < quads; i++) {
            long r = random.nextLong();
            out.putLong(q[(int) (r & 0xFFFF)]
                    | q[(int) ((r >>> 16) & 0xFFFF)] << 16
                    | q[(int) ((r >>> 32) & 0xFFFF)] << 32
                    | q[(int) (r >>> 48)] << 48);
        }
        for (int i = quads * 4; i < count; i++) {
            out.putShort((short) q[(int) (random.nextLong() & 0xFFFF)]);
        }
    }

    /** Rounds to the nearest bf16 (ties to even); the value is returned in the low 16 bits. */
    static long bf16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    /** The (k + 0.5) / 65536 quantiles of N(0, sigma), found by walking a finely integrated CDF. */
    private static long[] quantileTable(double sigma) {
        double step = 1e-4;
        double z = -8.0;
        double cdf = 0.0;
        double pdf = density(z);
        long[] table = new long[LEVELS];
        for (int k = 0; k < LEVELS; k++) {
            double target = (k + 0.5) / LEVELS;
            while (true) {
                double nextPdf = density(z + step);
                double nextCdf = cdf + 0.5 * step * (pdf + nextPdf);
                if (nextCdf >= target) {
                    double x = z + step * (target - cdf) / (nextCdf - cdf);
                    table[k] = bf16Bits((float) (sigma * x));
                    break;
                }
                z += step;
                cdf = nextCdf;
                pdf = nextPdf;
            }
        }
        return table;
    }

    private static double density(double z) {
        return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    }
}
