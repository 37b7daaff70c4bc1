package io.longstream.jobs.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Decode bursts, each held to the read bandwidth measured just before and just after it: the sustained rate of
 * the fastest read pattern over both measurements' passes (see {@link ReadProbe}), and, as the stricter figure,
 * their fastest single pass. A burst whose two measurements differ by more than {@link #STEADY} ran while this
 * machine's memory speed changed, so no roofline is known for it: it is left out and counted as such. The rest
 * give the row's figures, and, where the machine ran at clearly different speeds, the figure within each.
 */
final class DecodeBursts {
    /** Largest relative difference between the measurements around a burst for it to count. */
    static final double STEADY = 0.10;
    /** Bursts whose bandwidths span more than this ratio are reported in two speed bands. */
    private static final double BANDS = 1.3;

    private record Burst(int tokens, double seconds, double bytes, double bandwidth, double peak) {
        double rooflineSeconds() {
            return bytes / bandwidth;
        }

        double peakSeconds() {
            return bytes / peak;
        }
    }

    private final List<Burst> kept = new ArrayList<>();
    private int leftOut;

    /**
     * Decodes in bursts of up to {@code burst} tokens until {@code tokens} of them count (or {@code maxDecoded} tokens
     * are spent), measuring read bandwidth before the first burst and after each. The token right after a measurement
     * is not timed: the probe's gigabytes of garbage slowed it by up to 1.8x on a 2-core VM.
     *
     * @param bytesPerToken bytes a decode step reads at a context length
     * @param context       the context length when decoding starts
     */
    static DecodeBursts measure(Decoder decoder, Supplier<ReadProbe> probe, int tokens, int burst, int maxDecoded,
                                IntToDoubleFunction bytesPerToken, int context) {
        DecodeBursts bursts = new DecodeBursts();
        ReadProbe before = probe.get();
        for (int done = 0; bursts.tokens() < tokens && done < maxDecoded; ) {
            int n = Math.min(burst, tokens - bursts.tokens());
            decoder.decode(1);
            double seconds = decoder.decode(n);
            ReadProbe after = probe.get();
            bursts.add(n, seconds, n * bytesPerToken.applyAsDouble(context + done + 1 + n / 2), before, after);
            done += 1 + n;
            before = after;
        }
        return bursts;
    }

    /** Adds a burst of {@code tokens} tokens that read {@code bytes} in {@code seconds}; returns whether it counts. */
    boolean add(int tokens, double seconds, double bytes, ReadProbe before, ReadProbe after) {
        double first = before.sustained();
        double second = after.sustained();
        double high = Math.max(first, second);
        if (high - Math.min(first, second) > STEADY * high) {
            leftOut++;
            return false;
        }
        ReadProbe around = before.with(after);
        kept.add(new Burst(tokens, seconds, bytes, around.sustained(), around.peak()));
        return true;
    }

    int tokens() {
        return kept.stream().mapToInt(Burst::tokens).sum();
    }

    int leftOut() {
        return leftOut;
    }

    double tokensPerSecond() {
        return tokens() / seconds(kept);
    }

    /** Bytes per second read by the counted bursts. */
    double achieved() {
        return bytes(kept) / seconds(kept);
    }

    /** The bandwidth the counted bursts are held to: their bytes over the time the roofline allows them. */
    double roofline() {
        return bytes(kept) / kept.stream().mapToDouble(Burst::rooflineSeconds).sum();
    }

    /** The counted bursts' share of the bandwidth they are held to. */
    double share() {
        return share(kept, Burst::rooflineSeconds);
    }

    /** The counted bursts' share of the fastest single read passes around them. */
    double peakShare() {
        return share(kept, Burst::peakSeconds);
    }

    /**
     * Whether the counted bursts read faster than every probe pass around them: then the probes under-measured this
     * machine's bandwidth (seen once here, probes at 20 GB/s around bursts that read 35), and the shares mean nothing.
     */
    boolean outranTheProbes() {
        return !kept.isEmpty() && peakShare() > 1;
    }

    double lowestBandwidth() {
        return lowest(kept);
    }

    double highestBandwidth() {
        return highest(kept);
    }

    /**
     * "x% of bandwidth (y% of the best pass) in n bursts at a-b GB/s" for each speed band (one band when the speeds
     * are close), or "" with no bursts.
     */
    String bands() {
        if (kept.isEmpty()) {
            return "";
        }
        double low = lowestBandwidth();
        double high = highestBandwidth();
        if (high <= BANDS * low) {
            return band(kept);
        }
        double split = Math.sqrt(low * high);
        List<Burst> slow = kept.stream().filter(b -> b.bandwidth() < split).toList();
        List<Burst> fast = kept.stream().filter(b -> b.bandwidth() >= split).toList();
        return band(slow) + ", " + band(fast);
    }

    private static String band(List<Burst> bursts) {
        return String.format("%.1f%% of bandwidth (%.1f%% of the best pass) in %d burst%s at %.1f-%.1f GB/s",
                100 * share(bursts, Burst::rooflineSeconds), 100 * share(bursts, Burst::peakSeconds), bursts.size(),
                bursts.size() == 1 ? "" : "s", lowest(bursts) / 1e9, highest(bursts) / 1e9);
    }

    /** The time a roofline allows the bursts over the time they took. */
    private static double share(List<Burst> bursts, ToDoubleFunction<Burst> allowedSeconds) {
        return bursts.stream().mapToDouble(allowedSeconds).sum() / seconds(bursts);
    }

    private static double lowest(List<Burst> bursts) {
        return bursts.stream().mapToDouble(Burst::bandwidth).min().orElse(Double.NaN);
    }

    private static double highest(List<Burst> bursts) {
        return bursts.stream().mapToDouble(Burst::bandwidth).max().orElse(Double.NaN);
    }

    private static double seconds(List<Burst> bursts) {
        return bursts.stream().mapToDouble(Burst::seconds).sum();
    }

    private static double bytes(List<Burst> bursts) {
        return bursts.stream().mapToDouble(Burst::bytes).sum();
    }
}
