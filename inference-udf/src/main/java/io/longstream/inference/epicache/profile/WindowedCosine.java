package io.longstream.inference.epicache.profile;

/**
 * EpiCache's key similarity per layer: for every KV head and every window of {@code window} consecutive
 * positions, the cosine between the window's keys of two runs, each window flattened to one vector
 * ([window·headDim]); s_l is the mean over heads and windows. Sums run in position order, then d, in double.
 */
final class WindowedCosine {
    /** torch's cosine_similarity floor on ‖a‖·‖b‖, so an all-zero window reads 0, not NaN. */
    private static final double EPS = 1e-8;

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int window;
    private final int windows;
    private final double[] dot;   // [layer][kvHead][window]: Σ a·b
    private final double[] normA; // Σ a·a
    private final double[] normB; // Σ b·b

    WindowedCosine(int layers, int kvHeads, int headDim, int positions, int window) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.window = window;
        this.windows = (positions + window - 1) / window;
        int cells = layers * kvHeads * windows;
        this.dot = new double[cells];
        this.normA = new double[cells];
        this.normB = new double[cells];
    }

    /** Adds positions [from, to) of one (layer, KV head); a, b: [to − from][headDim], the two runs' keys. */
    void add(int layer, int kvHead, int from, int to, float[] a, float[] b) {
        int base = (layer * kvHeads + kvHead) * windows;
        for (int p = from; p < to; p++) {
            int cell = base + p / window;
            int row = (p - from) * headDim;
            double ab = 0;
            double aa = 0;
            double bb = 0;
            for (int d = 0; d < headDim; d++) {
                double x = a[row + d];
                double y = b[row + d];
                ab += x * y;
                aa += x * x;
                bb += y * y;
            }
            dot[cell] += ab;
            normA[cell] += aa;
            normB[cell] += bb;
        }
    }

    /** s_l = mean over (kvHead, window) of Σab / max(√(Σaa·Σbb), eps), each cosine capped at 1 against rounding. */
    double[] layerMeans() {
        double[] s = new double[layers];
        for (int l = 0; l < layers; l++) {
            double sum = 0;
            for (int cell = l * kvHeads * windows; cell < (l + 1) * kvHeads * windows; cell++) {
                double cosine = dot[cell] / Math.max(Math.sqrt(normA[cell] * normB[cell]), EPS);
                sum += Math.min(1.0, cosine);
            }
            s[l] = sum / (kvHeads * windows);
        }
        return s;
    }
}
