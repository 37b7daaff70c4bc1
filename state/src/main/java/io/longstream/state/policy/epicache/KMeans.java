package io.longstream.state.policy.epicache;

import java.util.SplittableRandom;

/**
 * K-means for EpiCache's episodes (kv-policies §6): k-means++ initialisation, {@value #RUNS} runs, at most
 * {@value #MAX_STEPS} Lloyd steps each (or until no label changes), and the run with the lowest inertia.
 *
 * <p>Deterministic on any JVM: run r draws from the r-th {@link SplittableRandom#split()} of
 * {@code new SplittableRandom(seed)}; distances and means are summed in double in index order; a point equally
 * near two centres takes the lower centre index; equal inertias keep the earlier run. A cluster that loses all
 * its points keeps its previous centre, so k centroids always exist and the next step may refill it.
 */
public final class KMeans {
    public static final int RUNS = 10;
    public static final int MAX_STEPS = 300;

    private KMeans() {
    }

    /**
     * Clusters {@code points} (n rows of equal dimension) into {@code k} clusters.
     *
     * @throws IllegalArgumentException if k < 1, n < k, or the rows differ in dimension
     */
    public static Clustering fit(float[][] points, int k, long seed) {
        requireClusterable(points, k);
        SplittableRandom root = new SplittableRandom(seed);
        Clustering best = null;
        for (int run = 0; run < RUNS; run++) {
            Clustering candidate = lloyd(points, seedCentres(points, k, root.split()));
            if (best == null || candidate.inertia() < best.inertia()) {
                best = candidate;
            }
        }
        return best;
    }

    private static void requireClusterable(float[][] points, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k-means needs k >= 1, got k = " + k);
        }
        if (points.length < k) {
            throw new IllegalArgumentException("k-means needs at least k = " + k + " points, got " + points.length);
        }
        for (float[] point : points) {
            if (point.length != points[0].length) {
                throw new IllegalArgumentException("k-means points differ in dimension: " + points[0].length + " and " + point.length);
            }
        }
    }

    /** k-means++: the first centre uniformly, each next one with probability proportional to D², the squared distance to the nearest centre so far. */
    private static float[][] seedCentres(float[][] points, int k, SplittableRandom random) {
        float[][] centres = new float[k][];
        centres[0] = points[random.nextInt(points.length)].clone();
        double[] nearest = new double[points.length];
        for (int i = 0; i < points.length; i++) {
            nearest[i] = Vectors.squaredDistance(points[i], centres[0]);
        }
        for (int c = 1; c < k; c++) {
            centres[c] = points[sampleBySquaredDistance(nearest, random)].clone();
            for (int i = 0; i < points.length; i++) {
                nearest[i] = Math.min(nearest[i], Vectors.squaredDistance(points[i], centres[c]));
            }
        }
        return centres;
    }

    /**
     * Index i with probability weight[i] / Σ weight. If every weight is 0 (every point already coincides with a
     * centre) it returns 0, whose duplicate centre then stays empty and keeps its place.
     */
    private static int sampleBySquaredDistance(double[] weight, SplittableRandom random) {
        double total = 0;
        for (double w : weight) {
            total += w;
        }
        if (total == 0) {
            return 0;
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        int lastWeighted = 0;
        for (int i = 0; i < weight.length; i++) {
            if (weight[i] > 0) {
                cumulative += weight[i];
                lastWeighted = i;
                if (cumulative > target) {
                    return i;
                }
            }
        }
        // target * total can round up to total itself; the draw then belongs to the last weighted point
        return lastWeighted;
    }

    private static Clustering lloyd(float[][] points, float[][] initialCentres) {
        int[] labels = new int[points.length];
        assign(points, initialCentres, labels);
        float[][] centres = initialCentres;
        boolean changed = true;
        for (int step = 0; step < MAX_STEPS && changed; step++) {
            centres = means(points, labels, centres);
            changed = assign(points, centres, labels);
        }
        if (changed) {
            // the step cap stopped a moving run: recompute so each centroid is still the mean of its returned members
            centres = means(points, labels, centres);
        }
        return new Clustering(centres, labels, inertia(points, centres, labels));
    }

    /** Labels every point with its nearest centre (ties to the lower centre index); returns whether any label changed. */
    private static boolean assign(float[][] points, float[][] centres, int[] labels) {
        boolean changed = false;
        for (int i = 0; i < points.length; i++) {
            int nearest = 0;
            double nearestDistance = Vectors.squaredDistance(points[i], centres[0]);
            for (int c = 1; c < centres.length; c++) {
                double distance = Vectors.squaredDistance(points[i], centres[c]);
                if (distance < nearestDistance) {
                    nearest = c;
                    nearestDistance = distance;
                }
            }
            if (labels[i] != nearest) {
                labels[i] = nearest;
                changed = true;
            }
        }
        return changed;
    }

    /** The mean of each cluster's points, summed in double in index order; an empty cluster keeps its previous centre. */
    private static float[][] means(float[][] points, int[] labels, float[][] previous) {
        int k = previous.length;
        int dim = previous[0].length;
        double[][] sums = new double[k][dim];
        int[] counts = new int[k];
        for (int i = 0; i < points.length; i++) {
            double[] sum = sums[labels[i]];
            for (int d = 0; d < dim; d++) {
                sum[d] += points[i][d];
            }
            counts[labels[i]]++;
        }
        float[][] centres = new float[k][];
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                centres[c] = previous[c];
                continue;
            }
            centres[c] = new float[dim];
            for (int d = 0; d < dim; d++) {
                centres[c][d] = (float) (sums[c][d] / counts[c]);
            }
        }
        return centres;
    }

    private static double inertia(float[][] points, float[][] centres, int[] labels) {
        double sum = 0;
        for (int i = 0; i < points.length; i++) {
            sum += Vectors.squaredDistance(points[i], centres[labels[i]]);
        }
        return sum;
    }
}
