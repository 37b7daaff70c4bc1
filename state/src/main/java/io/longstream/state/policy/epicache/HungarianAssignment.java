package io.longstream.state.policy.epicache;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * Maximum-total assignment on a square score matrix by the O(n³) Hungarian (Kuhn–Munkres) algorithm.
 *
 * <p>Ties, precisely: totals are compared exactly (the double scores are added as {@link BigDecimal}, which
 * never rounds), and among all assignments whose exact total is maximal the lexicographically smallest column
 * vector is returned, i.e. row 0 gets the lowest column that any maximal assignment gives it, then row 1 the
 * lowest column given row 0's, and so on. Exact sums make a tie a property of the scores, not of the order in
 * which rounding happened to add them.
 */
public final class HungarianAssignment {
    private HungarianAssignment() {
    }

    /**
     * Returns {@code column[row]}, a permutation of 0..n−1 maximising Σ score[row][column[row]].
     *
     * @throws IllegalArgumentException if the matrix is not square or holds a NaN or infinite score
     */
    public static int[] maximise(double[][] score) {
        BigDecimal[][] cost = exactNegated(score);
        int n = cost.length;
        BigDecimal[] rowPotential = new BigDecimal[n + 1];
        BigDecimal[] columnPotential = new BigDecimal[n + 1];
        optimalPotentials(cost, rowPotential, columnPotential);
        boolean[][] tight = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                tight[i][j] = cost[i][j].subtract(rowPotential[i + 1]).subtract(columnPotential[j + 1]).signum() == 0;
            }
        }
        return smallestPerfectMatching(tight);
    }

    /** The scores as exact minimisation costs (−score), after checking the matrix is square and finite. */
    private static BigDecimal[][] exactNegated(double[][] score) {
        int n = score.length;
        BigDecimal[][] cost = new BigDecimal[n][n];
        for (int i = 0; i < n; i++) {
            if (score[i].length != n) {
                throw new IllegalArgumentException("assignment needs a square matrix: " + n + " rows, row " + i + " has " + score[i].length + " columns");
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(score[i][j])) {
                    throw new IllegalArgumentException("assignment score [" + i + "][" + j + "] is " + score[i][j]);
                }
                cost[i][j] = new BigDecimal(score[i][j]).negate();
            }
        }
        return cost;
    }

    /**
     * The Hungarian algorithm (1-based, column 0 the virtual start of each augmenting path), kept only for its
     * optimal dual: afterwards u[i] + v[j] ≤ cost[i−1][j−1] everywhere, and by complementary slackness the
     * minimum-cost assignments are exactly the perfect matchings on the tight (equal) entries.
     */
    private static void optimalPotentials(BigDecimal[][] cost, BigDecimal[] u, BigDecimal[] v) {
        int n = cost.length;
        Arrays.fill(u, BigDecimal.ZERO);
        Arrays.fill(v, BigDecimal.ZERO);
        int[] rowOfColumn = new int[n + 1];
        int[] way = new int[n + 1];
        for (int row = 1; row <= n; row++) {
            rowOfColumn[0] = row;
            int j0 = 0;
            BigDecimal[] minSlack = new BigDecimal[n + 1]; // null stands for +∞
            boolean[] used = new boolean[n + 1];
            do {
                used[j0] = true;
                int i0 = rowOfColumn[j0];
                BigDecimal delta = null;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (used[j]) {
                        continue;
                    }
                    BigDecimal slack = cost[i0 - 1][j - 1].subtract(u[i0]).subtract(v[j]);
                    if (minSlack[j] == null || slack.compareTo(minSlack[j]) < 0) {
                        minSlack[j] = slack;
                        way[j] = j0;
                    }
                    if (delta == null || minSlack[j].compareTo(delta) < 0) {
                        delta = minSlack[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[rowOfColumn[j]] = u[rowOfColumn[j]].add(delta);
                        v[j] = v[j].subtract(delta);
                    } else {
                        minSlack[j] = minSlack[j].subtract(delta);
                    }
                }
                j0 = j1;
            } while (rowOfColumn[j0] != 0);
            do {
                int j1 = way[j0];
                rowOfColumn[j0] = rowOfColumn[j1];
                j0 = j1;
            } while (j0 != 0);
        }
    }

    /** Row by row, the lowest tight column that still leaves a perfect matching for the rows below. */
    private static int[] smallestPerfectMatching(boolean[][] tight) {
        int n = tight.length;
        int[] column = new int[n];
        boolean[] taken = new boolean[n];
        for (int row = 0; row < n; row++) {
            int j = 0;
            while (!tight[row][j] || taken[j] || !completes(tight, row + 1, taken, j)) {
                j++;
            }
            column[row] = j;
            taken[j] = true;
        }
        return column;
    }

    /** Whether rows fromRow.. can be matched to distinct tight columns that are neither taken nor {@code extra} (Kuhn's augmenting paths). */
    private static boolean completes(boolean[][] tight, int fromRow, boolean[] taken, int extra) {
        int n = tight.length;
        int[] rowOfColumn = new int[n];
        Arrays.fill(rowOfColumn, -1);
        for (int row = fromRow; row < n; row++) {
            if (!augment(tight, row, taken, extra, rowOfColumn, new boolean[n])) {
                return false;
            }
        }
        return true;
    }

    private static boolean augment(boolean[][] tight, int row, boolean[] taken, int extra, int[] rowOfColumn, boolean[] visited) {
        for (int j = 0; j < tight.length; j++) {
            if (!tight[row][j] || taken[j] || j == extra || visited[j]) {
                continue;
            }
            visited[j] = true;
            if (rowOfColumn[j] < 0 || augment(tight, rowOfColumn[j], taken, extra, rowOfColumn, visited)) {
                rowOfColumn[j] = row;
                return true;
            }
        }
        return false;
    }
}
