package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class HungarianAssignmentTest {
    @Test
    void findsTheMaximumWhereGreedyFails() {
        // greedy takes the 10 and is left with the 1 (total 11); the best pairs the two 9s (total 18)
        double[][] score = {{10, 9}, {9, 1}};
        assertArrayEquals(new int[] {1, 0}, HungarianAssignment.maximise(score));
    }

    @Test
    void solvesAHandMadeFourByFour() {
        double[][] score = {
                {7, 5, 8, 2},
                {6, 9, 3, 4},
                {1, 4, 9, 8},
                {5, 6, 2, 7}};
        // 7 + 9 + 9 + 7 = 32, unique (the runner-up totals 30)
        assertArrayEquals(new int[] {0, 1, 2, 3}, HungarianAssignment.maximise(score));
        // the same columns rotated right by one: the answer rotates with them
        double[][] shifted = {
                {2, 7, 5, 8},
                {4, 6, 9, 3},
                {8, 1, 4, 9},
                {7, 5, 6, 2}};
        assertArrayEquals(new int[] {1, 2, 3, 0}, HungarianAssignment.maximise(shifted));
    }

    @Test
    void tiesGoToTheLexicographicallySmallestAssignment() {
        assertArrayEquals(new int[] {0, 1, 2}, HungarianAssignment.maximise(new double[3][3]));
        // the maxima are {1,0,2} and {2,1,0}: row 0 takes the lower column
        double[][] twoBest = {{0, 1, 1}, {1, 1, 0}, {1, 0, 1}};
        assertArrayEquals(new int[] {1, 0, 2}, HungarianAssignment.maximise(twoBest));
        // identical rows: the earlier row gets the lower column
        double[][] sameRows = {{0.5, 0.5, 0.25}, {0.5, 0.5, 0.25}, {0, 0, 1}};
        assertArrayEquals(new int[] {0, 1, 2}, HungarianAssignment.maximise(sameRows));
    }

    @Test
    void totalsAreComparedExactlyNotAfterRounding() {
        // in double 1e16 + 0 == 1e16 + 1 (a tie that would favour {0,1}); exactly, {1,0} is larger by 1
        double[][] score = {{1e16, 1e16}, {1, 0}};
        assertArrayEquals(new int[] {1, 0}, HungarianAssignment.maximise(score));
    }

    @Test
    void emptyNonSquareAndNonFiniteMatricesAreHandled() {
        assertArrayEquals(new int[0], HungarianAssignment.maximise(new double[0][0]));
        assertThrows(IllegalArgumentException.class, () -> HungarianAssignment.maximise(new double[][] {{1, 2}}));
        assertThrows(IllegalArgumentException.class, () -> HungarianAssignment.maximise(new double[][] {{Double.NaN}}));
    }

    /** Coarse matrices (scores 0..3) are full of ties, fine ones test the optimum itself. */
    @Property(tries = 200, seed = "7")
    void matchesBruteForceOverAllPermutations(@ForAll @IntRange(min = 1, max = 7) int n, @ForAll boolean coarse, @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] score = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                score[i][j] = coarse ? random.nextInt(4) : random.nextDouble(-1, 1);
            }
        }
        assertArrayEquals(bruteForce(score), HungarianAssignment.maximise(score));
    }

    @Test
    void bruteForceEnumeratesEveryPermutation() {
        int[] permutation = {0, 1, 2, 3};
        int count = 1;
        while (nextPermutation(permutation)) {
            count++;
        }
        assertEquals(24, count);
    }

    /** The first permutation, in lexicographic order, with the largest exact total. */
    private static int[] bruteForce(double[][] score) {
        int n = score.length;
        int[] permutation = new int[n];
        for (int i = 0; i < n; i++) {
            permutation[i] = i;
        }
        int[] best = permutation.clone();
        BigDecimal bestTotal = total(score, permutation);
        while (nextPermutation(permutation)) {
            BigDecimal total = total(score, permutation);
            if (total.compareTo(bestTotal) > 0) {
                best = permutation.clone();
                bestTotal = total;
            }
        }
        return best;
    }

    private static BigDecimal total(double[][] score, int[] permutation) {
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 0; i < permutation.length; i++) {
            total = total.add(new BigDecimal(score[i][permutation[i]]));
        }
        return total;
    }

    /** Narayana's next lexicographic permutation, in place; false after the last. */
    private static boolean nextPermutation(int[] a) {
        int i = a.length - 2;
        while (i >= 0 && a[i] >= a[i + 1]) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        int j = a.length - 1;
        while (a[j] <= a[i]) {
            j--;
        }
        swap(a, i, j);
        for (int l = i + 1, r = a.length - 1; l < r; l++, r--) {
            swap(a, l, r);
        }
        return true;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

}
