package io.longstream.state.policy.epicache;

/** Distances between float vectors, accumulated in double in index order so every JVM gets the same bits. */
final class Vectors {
    private Vectors() {
    }

    static double squaredDistance(float[] a, float[] b) {
        double sum = 0;
        for (int d = 0; d < a.length; d++) {
            double diff = (double) a[d] - b[d];
            sum += diff * diff;
        }
        return sum;
    }

    /** Cosine similarity; 0 when either vector is zero, since a zero centroid has no direction to agree with. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int d = 0; d < a.length; d++) {
            dot += (double) a[d] * b[d];
            normA += (double) a[d] * a[d];
            normB += (double) b[d] * b[d];
        }
        if (normA == 0 || normB == 0) {
            return 0;
        }
        return dot / (StrictMath.sqrt(normA) * StrictMath.sqrt(normB));
    }
}
