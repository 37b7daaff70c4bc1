package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KMeansTest {
    @Test
    void wellSeparatedBlobsAreRecoveredExactlyForSeveralSeeds() {
        Blobs blobs = new Blobs(4, 30, 0.02, 11);
        for (long seed = 0; seed < 8; seed++) {
            Clustering clustering = KMeans.fit(blobs.points, 4, seed);
            assertSamePartition(blobs.truth, clustering.labels(), 4, "seed " + seed);
        }
    }

    @Test
    void theSameSeedGivesBitIdenticalCentroidsLabelsAndInertia() {
        Blobs blobs = new Blobs(5, 40, 0.5, 3);
        Clustering first = KMeans.fit(blobs.points, 4, 1234L);
        Clustering second = KMeans.fit(blobs.points, 4, 1234L);
        assertArrayEquals(first.labels(), second.labels());
        for (int c = 0; c < 4; c++) {
            assertArrayEquals(bits(first.centroids()[c]), bits(second.centroids()[c]), "centroid " + c);
        }
        assertEquals(Double.doubleToRawLongBits(first.inertia()), Double.doubleToRawLongBits(second.inertia()));
    }

    @Test
    void fewerPointsThanKIsRefusedNamingBothNumbers() {
        float[][] three = {{1, 0}, {0, 1}, {1, 1}};
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> KMeans.fit(three, 4, 0));
        assertEquals("k-means needs at least k = 4 points, got 3", refused.getMessage());
    }

    @Test
    void centroidsAreTheMeansOfTheirMembersNotRenormalised() {
        Blobs blobs = new Blobs(3, 30, 0.5, 5);
        Clustering clustering = KMeans.fit(blobs.points, 3, 9);
        for (int c = 0; c < 3; c++) {
            int[] members = clustering.members(c);
            assertTrue(members.length > 0);
            float[] centroid = clustering.centroids()[c];
            double norm = 0;
            for (int d = 0; d < Blobs.DIM; d++) {
                double sum = 0;
                for (int i : members) {
                    sum += blobs.points[i][d];
                }
                assertEquals((float) (sum / members.length), centroid[d], "cluster " + c + " dim " + d);
                norm += (double) centroid[d] * centroid[d];
            }
            assertTrue(norm < 0.99, "mean of spread unit vectors is shorter than 1, and stays so: " + norm);
        }
    }

    @Test
    void everyPointIsLabelledWithItsNearestCentroidAndInertiaSumsTheirDistances() {
        Blobs blobs = new Blobs(6, 20, 0.6, 8);
        Clustering clustering = KMeans.fit(blobs.points, 4, 21);
        double inertia = 0;
        for (int i = 0; i < blobs.points.length; i++) {
            double own = Vectors.squaredDistance(blobs.points[i], clustering.centroids()[clustering.labels()[i]]);
            for (float[] centroid : clustering.centroids()) {
                assertTrue(own <= Vectors.squaredDistance(blobs.points[i], centroid), "point " + i);
            }
            inertia += own;
        }
        assertEquals(inertia, clustering.inertia());
    }

    @Test
    void kEqualToTheNumberOfPointsGivesEachItsOwnCluster() {
        SplittableRandom random = new SplittableRandom(2);
        float[][] points = new float[5][];
        for (int i = 0; i < 5; i++) {
            points[i] = Blobs.unitGaussian(random, null, 0);
        }
        Clustering clustering = KMeans.fit(points, 5, 77);
        assertEquals(5, Arrays.stream(clustering.labels()).distinct().count());
        assertEquals(0.0, clustering.inertia());
    }

    @Test
    void aClusterLeftEmptyKeepsItsCentre() {
        // three distinct points for k = 4: k-means++ must repeat a centre, and the repeat never wins a point
        float[][] points = {{1, 0}, {0, 1}, {1, 0}, {-1, 0}, {0, 1}};
        Clustering clustering = KMeans.fit(points, 4, 5);
        assertEquals(0.0, clustering.inertia());
        long used = Arrays.stream(clustering.labels()).distinct().count();
        assertEquals(3, used);
        for (int c = 0; c < 4; c++) {
            float[] centroid = clustering.centroids()[c];
            assertTrue(Arrays.stream(points).anyMatch(p -> Arrays.equals(p, centroid)), "centre " + c + " is one of the points");
        }
    }

    @Test
    void kBelowOneAndRaggedPointsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(new float[][] {{1}}, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(new float[][] {{1, 2}, {3}}, 1, 0));
    }

    /** Labels agree up to a permutation: each true blob maps to exactly one cluster and no two blobs share one. */
    static void assertSamePartition(int[] truth, int[] labels, int k, String context) {
        int[] clusterOfBlob = new int[k];
        Arrays.fill(clusterOfBlob, -1);
        for (int i = 0; i < truth.length; i++) {
            if (clusterOfBlob[truth[i]] < 0) {
                clusterOfBlob[truth[i]] = labels[i];
            }
            assertEquals(clusterOfBlob[truth[i]], labels[i], context + ": point " + i);
        }
        assertEquals(k, Arrays.stream(clusterOfBlob).distinct().count(), context + ": blobs merged");
    }

    private static int[] bits(float[] v) {
        int[] bits = new int[v.length];
        for (int d = 0; d < v.length; d++) {
            bits[d] = Float.floatToRawIntBits(v[d]);
        }
        return bits;
    }
}
