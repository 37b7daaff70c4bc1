package io.longstream.state.policy.epicache;

import java.util.stream.IntStream;

/**
 * One k-means result (kv-policies §6). {@code centroids[c]} is the mean of the points labelled c, not
 * re-normalised (an empty cluster keeps the centre it had, see {@link KMeans}); {@code labels[i]} is the
 * cluster of point i; {@code inertia} is the sum of squared Euclidean distances from each point to its
 * centroid. The arrays are handed over, not copied.
 */
public record Clustering(float[][] centroids, int[] labels, double inertia) {
    /** The points labelled {@code cluster}, ascending, i.e. in chronological order. */
    public int[] members(int cluster) {
        return IntStream.range(0, labels.length).filter(i -> labels[i] == cluster).toArray();
    }
}
