package io.longstream.inference.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x for float vectors from adds, multiplies and fused multiply-adds only, so the bits are the same
 * interpreted, JIT-compiled and on any vector width (library exp is not guaranteed to be).
 * Relative error below 2e-7 for x in [-87, 88]; inputs are clamped to that range.
 */
final class VectorExp {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to the nearest integer. */
    private static final float ROUNDER = 12582912f;
    private static final float MIN_X = -87.0f;
    private static final float MAX_X = 88.0f;

    private VectorExp() {
    }

    static FloatVector exp(FloatVector x) {
        x = x.max(MIN_X).min(MAX_X);
        FloatVector shifted = x.fma(LOG2E, ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);
        // r = x - n·ln2, in two steps so r keeps full precision
        FloatVector r = n.fma(c(x, -LN2_HI), x);
        r = n.fma(c(x, -LN2_LO), r);
        // e^r by its Taylor series to degree 7: |r| <= ln2/2, truncation error < 6e-9
        FloatVector p = r.fma(1f / 5040, 1f / 720);
        p = p.fma(r, c(x, 1f / 120));
        p = p.fma(r, c(x, 1f / 24));
        p = p.fma(r, c(x, 1f / 6));
        p = p.fma(r, c(x, 0.5f));
        p = p.fma(r, c(x, 1f));
        p = p.fma(r, c(x, 1f));
        // multiply by 2^n by adding n to the exponent field
        IntVector exponent = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER)).lanewise(VectorOperators.LSHL, 23);
        return p.reinterpretAsInts().add(exponent).reinterpretAsFloats();
    }

    /** The constant in every lane of like's species; the instance broadcast keeps the species a JIT constant. */
    private static FloatVector c(FloatVector like, float value) {
        return like.broadcast(value);
    }
}
