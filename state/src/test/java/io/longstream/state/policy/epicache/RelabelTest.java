package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RelabelTest {
    @Test
    void aPermutedCopyOfTheCentroidsMapsBackToTheIdentity() {
        SplittableRandom random = new SplittableRandom(4);
        float[][] episodes = new float[4][];
        for (int e = 0; e < 4; e++) {
            episodes[e] = Blobs.unitGaussian(random, null, 0);
        }
        for (int[] shuffle : permutationsOf4()) {
            float[][] renumbered = new float[4][];
            for (int j = 0; j < 4; j++) {
                renumbered[j] = episodes[shuffle[j]];
            }
            int[] episodeOf = Relabel.match(episodes, renumbered);
            assertArrayEquals(shuffle, episodeOf);
            float[][] restored = new float[4][];
            for (int j = 0; j < 4; j++) {
                restored[episodeOf[j]] = renumbered[j];
            }
            assertArrayEquals(episodes, restored, "cache k gets its own topic back");
        }
    }

    @Test
    void driftedCentroidsStillFindTheirEpisodes() {
        SplittableRandom random = new SplittableRandom(12);
        float[][] episodes = new float[5][];
        for (int e = 0; e < 5; e++) {
            episodes[e] = Blobs.unitGaussian(random, null, 0);
        }
        int[] shuffle = {3, 0, 4, 1, 2};
        float[][] drifted = new float[5][];
        for (int j = 0; j < 5; j++) {
            drifted[j] = Blobs.unitGaussian(random, episodes[shuffle[j]], 0.04);
        }
        assertArrayEquals(shuffle, Relabel.match(episodes, drifted));
    }

    @Test
    void aZeroCentroidHasCosineZeroAndTiesGoToTheLowerEpisode() {
        float[] x = {1, 0};
        float[] y = {0, 1};
        float[] zero = {0, 0};
        assertArrayEquals(new int[] {1, 0}, Relabel.match(new float[][] {zero, x}, new float[][] {x, zero}));
        assertArrayEquals(new int[] {0, 1}, Relabel.match(new float[][] {zero, zero}, new float[][] {zero, zero}));
        // both new clusters sit on x: either matching totals 1 + cos(x, y), so the lower episode goes first
        assertArrayEquals(new int[] {0, 1}, Relabel.match(new float[][] {x, y}, new float[][] {x, x}));
    }

    @Test
    void differentCountsOrDimensionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Relabel.match(new float[][] {{1}}, new float[][] {{1}, {2}}));
        assertThrows(IllegalArgumentException.class, () -> Relabel.match(new float[][] {{1, 0}}, new float[][] {{1}}));
    }

    private static int[][] permutationsOf4() {
        int[][] all = new int[24][];
        int n = 0;
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                for (int c = 0; c < 4; c++) {
                    int d = 6 - a - b - c;
                    if (a != b && a != c && b != c && d != a && d != b && d != c) {
                        all[n++] = new int[] {a, b, c, d};
                    }
                }
            }
        }
        return all;
    }
}
