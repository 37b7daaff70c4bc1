package io.longstream.state.policy.epicache;

/**
 * Keeps episode caches on their topics across k-means re-runs (kv-policies §6): a re-run may number its
 * clusters differently, so new clusters are matched to the existing episodes by maximum total cosine.
 */
public final class Relabel {
    private Relabel() {
    }

    /**
     * Returns {@code episode}, where new cluster j continues episode {@code episode[j]}: the permutation
     * maximising Σ cosine(newCentroids[j], oldCentroids[episode[j]]), cosine in double and 0 for a zero vector.
     * Ties go to lower indices as {@link HungarianAssignment} documents (new cluster 0 takes the lowest episode
     * any best matching gives it, then cluster 1, ...).
     *
     * @throws IllegalArgumentException if the two sets differ in size or dimension
     */
    public static int[] match(float[][] oldCentroids, float[][] newCentroids) {
        int k = newCentroids.length;
        if (oldCentroids.length != k) {
            throw new IllegalArgumentException("relabel needs as many new centroids as episodes: " + k + " new, " + oldCentroids.length + " episodes");
        }
        double[][] score = new double[k][k];
        for (int j = 0; j < k; j++) {
            for (int e = 0; e < k; e++) {
                if (newCentroids[j].length != oldCentroids[e].length) {
                    throw new IllegalArgumentException("relabel centroids differ in dimension: " + newCentroids[j].length + " and " + oldCentroids[e].length);
                }
                score[j][e] = Vectors.cosine(newCentroids[j], oldCentroids[e]);
            }
        }
        return HungarianAssignment.maximise(score);
    }
}
