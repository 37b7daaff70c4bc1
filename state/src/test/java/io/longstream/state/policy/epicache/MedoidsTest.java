package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MedoidsTest {
    private static final float[][] LINE = {{5}, {1}, {-2}, {0.5f}, {9}, {-1}, {3}, {1}};

    @Test
    void theMClosestMembersComeBackInChronologicalOrder() {
        // distances to 0 among members {6, 0, 3, 5, 2}: 3 (0.5), 5 (1), 2 (2), 6 (3), 0 (5)
        assertArrayEquals(new int[] {2, 3, 5}, Medoids.closest(LINE, new int[] {6, 0, 3, 5, 2}, new float[] {0}, 3));
    }

    @Test
    void equalDistancesPreferTheLowerIndex() {
        // 1 and 5 are both 1 away, as is 7: the first two by index win
        assertArrayEquals(new int[] {1, 5}, Medoids.closest(LINE, new int[] {7, 5, 1}, new float[] {0}, 2));
        assertArrayEquals(new int[] {1, 7}, Medoids.closest(LINE, new int[] {7, 1, 5}, new float[] {1}, 2));
    }

    @Test
    void fewerMembersThanMGivesThemAll() {
        assertArrayEquals(new int[] {0, 4}, Medoids.closest(LINE, new int[] {4, 0}, new float[] {0}, 8));
        assertArrayEquals(new int[0], Medoids.closest(LINE, new int[] {4, 0}, new float[] {0}, 0));
    }

    @Test
    void medoidsOfAKMeansClusterAreItsMembers() {
        Blobs blobs = new Blobs(3, 20, 0.3, 6);
        Clustering clustering = KMeans.fit(blobs.points, 3, 1);
        for (int c = 0; c < 3; c++) {
            int[] members = clustering.members(c);
            int[] medoids = Medoids.closest(blobs.points, members, clustering.centroids()[c], 8);
            for (int r = 0; r < medoids.length; r++) {
                assertTrue(r == 0 || medoids[r - 1] < medoids[r], "chronological");
                assertTrue(clustering.labels()[medoids[r]] == c, "a member of cluster " + c);
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Medoids.closest(LINE, new int[] {1}, new float[] {0}, -1));
        assertThrows(IllegalArgumentException.class, () -> Medoids.closest(LINE, new int[] {1, 1}, new float[] {0}, 1));
        assertThrows(IllegalArgumentException.class, () -> Medoids.closest(LINE, new int[] {8}, new float[] {0}, 1));
        assertThrows(IllegalArgumentException.class, () -> Medoids.closest(LINE, new int[] {1}, new float[] {0, 0}, 1));
    }
}
