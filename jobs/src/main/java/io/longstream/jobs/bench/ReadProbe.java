package io.longstream.jobs.bench;

import java.util.Arrays;

/**
 * The passes of one or more read-bandwidth measurements, in bytes per second, by access pattern (1, 2 or 4
 * streams per thread). Two figures are read from them:
 * <ul>
 *   <li>{@link #sustained}: the median pass of the fastest pattern, the rate that pattern typically holds. A decode
 *   burst is an average over its tokens, so this is what it is compared with.</li>
 *   <li>{@link #peak}: the fastest single pass. In this VM's fast memory band passes of one pattern scatter by
 *   ±5%, so the best of 18 sits 3-4% above what any pattern sustains; it is kept as the stricter figure.</li>
 * </ul>
 */
record ReadProbe(double[][] passes) {
    ReadProbe {
        if (passes.length == 0 || Arrays.stream(passes).anyMatch(p -> p.length == 0)) {
            throw new IllegalArgumentException("a read probe needs at least one pass of each pattern");
        }
    }

    /** Both probes' passes, pattern by pattern (the measurements just before and after a burst). */
    ReadProbe with(ReadProbe other) {
        if (other.passes.length != passes.length) {
            throw new IllegalArgumentException("probes of " + passes.length + " and " + other.passes.length + " patterns");
        }
        double[][] both = new double[passes.length][];
        for (int p = 0; p < passes.length; p++) {
            both[p] = new double[passes[p].length + other.passes[p].length];
            System.arraycopy(passes[p], 0, both[p], 0, passes[p].length);
            System.arraycopy(other.passes[p], 0, both[p], passes[p].length, other.passes[p].length);
        }
        return new ReadProbe(both);
    }

    double sustained() {
        return Arrays.stream(passes).mapToDouble(ReadProbe::median).max().orElseThrow();
    }

    double peak() {
        return Arrays.stream(passes).flatMapToDouble(Arrays::stream).max().orElseThrow();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
