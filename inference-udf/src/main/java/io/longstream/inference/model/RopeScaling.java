package io.longstream.inference.model;

/**
 * How RoPE frequencies are derived: {@code default}, {@code linear} (positions divided by a factor) or
 * {@code llama3} (low frequencies divided by a factor, a smooth band between).
 */
public final class RopeScaling {
    public enum Type { DEFAULT, LINEAR, LLAMA3 }

    private final Type type;
    private final double factor;
    private final double lowFreqFactor;
    private final double highFreqFactor;
    private final int originalMaxPositions;

    private RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        this.type = type;
        this.factor = factor;
        this.lowFreqFactor = lowFreqFactor;
        this.highFreqFactor = highFreqFactor;
        this.originalMaxPositions = originalMaxPositions;
    }

    public static RopeScaling none() {
        return new RopeScaling(Type.DEFAULT, 1, 0, 0, 0);
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling(Type.LINEAR, factor, 0, 0, 0);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
    }

    public Type type() {
        return type;
    }

    /** Inverse frequencies {@code theta^(-2i/dim)} for {@code i < dim/2}, scaled, rounded to float as HF keeps them. */
    public float[] inverseFrequencies(double theta, int dim) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            double base = 1.0 / StrictMath.pow(theta, (2.0 * i) / dim);
            inv[i] = (float) scale(base);
        }
        return inv;
    }

    private double scale(double invFreq) {
        switch (type) {
            case LINEAR:
                return invFreq / factor;
            case LLAMA3: {
                double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
                double highFreqWavelen = originalMaxPositions / highFreqFactor;
                double wavelen = 2 * Math.PI / invFreq;
                if (wavelen < highFreqWavelen) {
                    return invFreq;
                }
                if (wavelen > lowFreqWavelen) {
                    return invFreq / factor;
                }
                double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                return (1 - smooth) * invFreq / factor + smooth * invFreq;
            }
            default:
                return invFreq;
        }
    }

    @Override
    public String toString() {
        switch (type) {
            case LINEAR:
                return "linear(factor=" + factor + ")";
            case LLAMA3:
                return "llama3(factor=" + factor + ", low=" + lowFreqFactor + ", high=" + highFreqFactor
                        + ", original=" + originalMaxPositions + ")";
            default:
                return "default";
        }
    }
}
