package io.longstream.state.policy.epicache;

import java.util.Arrays;
import java.util.Comparator;

/** An episode's most central segments (kv-policies §6), which seed its patched prompt. */
public final class Medoids {
    private Medoids() {
    }

    /**
     * The {@code m} members nearest {@code centroid} (Euclidean distance in double; equal distances prefer the
     * lower index), returned ascending, i.e. in chronological order; all members if there are fewer than m.
     *
     * @param members indices into {@code points}, distinct, in any order
     * @throws IllegalArgumentException if m < 0, a member repeats or is out of range, or a dimension differs
     */
    public static int[] closest(float[][] points, int[] members, float[] centroid, int m) {
        if (m < 0) {
            throw new IllegalArgumentException("medoid count must be >= 0, got " + m);
        }
        Integer[] byDistance = requireMembers(points, members, centroid);
        double[] distance = new double[points.length];
        for (int i : byDistance) {
            distance[i] = Vectors.squaredDistance(points[i], centroid);
        }
        // the sort is stable and the members arrive ascending, so equal distances keep the lower index first
        Arrays.sort(byDistance, Comparator.comparingDouble(i -> distance[i]));
        int[] nearest = new int[Math.min(m, byDistance.length)];
        for (int r = 0; r < nearest.length; r++) {
            nearest[r] = byDistance[r];
        }
        Arrays.sort(nearest);
        return nearest;
    }

    /**
     * Each chosen point's rank by distance to {@code centroid} (0 = nearest; equal distances rank the lower index
     * first), aligned with {@code chosen}.
     */
    public static int[] ranks(float[][] points, int[] chosen, float[] centroid) {
        Integer[] order = new Integer[chosen.length];
        for (int r = 0; r < order.length; r++) {
            order[r] = r;
        }
        double[] distance = new double[chosen.length];
        for (int r = 0; r < chosen.length; r++) {
            distance[r] = Vectors.squaredDistance(points[chosen[r]], centroid);
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(r -> distance[r]).thenComparingInt(r -> chosen[r]));
        int[] ranks = new int[chosen.length];
        for (int rank = 0; rank < order.length; rank++) {
            ranks[order[rank]] = rank;
        }
        return ranks;
    }

    /** The members ascending, after checking they are distinct, in range and of the centroid's dimension. */
    private static Integer[] requireMembers(float[][] points, int[] members, float[] centroid) {
        int[] ascending = members.clone();
        Arrays.sort(ascending);
        Integer[] boxed = new Integer[ascending.length];
        for (int r = 0; r < ascending.length; r++) {
            int i = ascending[r];
            if (i < 0 || i >= points.length) {
                throw new IllegalArgumentException("medoid member " + i + " is not one of the " + points.length + " points");
            }
            if (r > 0 && ascending[r - 1] == i) {
                throw new IllegalArgumentException("medoid member " + i + " is listed twice");
            }
            if (points[i].length != centroid.length) {
                throw new IllegalArgumentException("medoid member " + i + " has dimension " + points[i].length + ", the centroid " + centroid.length);
            }
            boxed[r] = i;
        }
        return boxed;
    }
}
