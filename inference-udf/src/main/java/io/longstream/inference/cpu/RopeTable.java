package io.longstream.inference.cpu;

/**
 * cos/sin of RoPE angles by position, computed in double with StrictMath (identical bits in every JVM
 * and mode) and memoised in a small direct-mapped table, since one position serves every layer and head.
 */
final class RopeTable {
    private static final int SLOTS = 1 << 13;

    private final float[] invFreq;
    private final Rotation[] memo = new Rotation[SLOTS];

    /** cos and sin of {@code position · invFreq[i]} for i < headDim/2. */
    static final class Rotation {
        final int position;
        final float[] cos;
        final float[] sin;

        Rotation(int position, float[] cos, float[] sin) {
            this.position = position;
            this.cos = cos;
            this.sin = sin;
        }
    }

    RopeTable(float[] invFreq) {
        this.invFreq = invFreq.clone();
    }

    int half() {
        return invFreq.length;
    }

    Rotation at(int position) {
        int slot = position & (SLOTS - 1);
        Rotation r = memo[slot];
        if (r != null && r.position == position) {
            return r;
        }
        float[] cos = new float[invFreq.length];
        float[] sin = new float[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            double angle = position * (double) invFreq[i];
            cos[i] = (float) StrictMath.cos(angle);
            sin[i] = (float) StrictMath.sin(angle);
        }
        r = new Rotation(position, cos, sin);
        memo[slot] = r; // racy publication is safe: Rotation's fields are final
        return r;
    }

    /**
     * Rotates the pairs (x[i], x[i + half]) of one head vector by the position's angles, as HF's
     * {@code x·cos + rotate_half(x)·sin}, writing {@code scale ·} the result to out.
     */
    void rotate(float[] x, int xOff, Rotation r, float scale, float[] out, int outOff) {
        int half = invFreq.length;
        for (int i = 0; i < half; i++) {
            float a = x[xOff + i];
            float b = x[xOff + i + half];
            out[outOff + i] = (a * r.cos[i] - b * r.sin[i]) * scale;
            out[outOff + i + half] = (b * r.cos[i] + a * r.sin[i]) * scale;
        }
    }
}
