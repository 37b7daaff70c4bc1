package io.longstream.jobs.local;

import io.longstream.schemas.MemoryUpdate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How far the demo has come, as far as it knows at each moment: events sent of those it will send, and tokens taken
 * into the sessions' caches of those the job has ingested (from the memory updates: ingested less pending), with the
 * rate over the last half minute of work and the time left at that rate. Thread-safe: a progress bar's thread reads it.
 */
final class DemoProgress {
    private static final long RATE_WINDOW_NANOS = Duration.ofSeconds(30).toNanos();

    private long eventsSent;
    private long eventsTotal;
    private final Map<String, MemoryUpdate> latest = new HashMap<>();
    /** Tokens taken in since the start; unlike the sum over sessions it never drops when a session is reset. */
    private long takenIn;
    /** (time, takenIn) samples of the rate window, oldest first. */
    private final Deque<long[]> samples = new ArrayDeque<>();

    synchronized void events(long sent, long total) {
        eventsSent = sent;
        eventsTotal = total;
    }

    synchronized void memory(MemoryUpdate m) {
        MemoryUpdate previous = latest.put(m.getSessionId(), m);
        long before = previous == null || m.getTokensIngested() < previous.getTokensIngested() ? 0 : takenIn(previous);
        takenIn += Math.max(0, takenIn(m) - before);
    }

    /** Notes the figures at {@code nanos} (a {@link System#nanoTime()}) for the rate. */
    synchronized void sample(long nanos) {
        if (tokensDone() >= tokensTotal()) {
            // nothing pending: the next tokens start a new window, not slowed by the wait for them
            samples.clear();
            return;
        }
        samples.addLast(new long[] {nanos, takenIn});
        // keep the newest sample at least a window old, so the rate always spans a full window once one has passed
        while (samples.size() > 2 && nanos - secondOldest()[0] >= RATE_WINDOW_NANOS) {
            samples.removeFirst();
        }
    }

    synchronized long tokensDone() {
        return latest.values().stream().mapToLong(DemoProgress::takenIn).sum();
    }

    synchronized long tokensTotal() {
        return latest.values().stream().mapToLong(MemoryUpdate::getTokensIngested).sum();
    }

    /** Tokens taken in per second over the samples of the window; empty before two samples apart in time. */
    synchronized OptionalDouble rate() {
        if (samples.size() < 2 || samples.getLast()[0] == samples.getFirst()[0]) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((samples.getLast()[1] - samples.getFirst()[1]) * 1e9 / (samples.getLast()[0] - samples.getFirst()[0]));
    }

    /** Time to take in the pending tokens at the current rate; empty when none are pending or nothing moves. */
    synchronized Optional<Duration> eta() {
        long left = tokensTotal() - tokensDone();
        OptionalDouble rate = rate();
        if (left <= 0 || rate.isEmpty() || rate.getAsDouble() <= 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds((long) Math.ceil(left / rate.getAsDouble())));
    }

    /** The events part: {@code events 12/18 sent}. */
    synchronized String events() {
        return String.format(Locale.ROOT, "events %d/%d sent", eventsSent, eventsTotal);
    }

    /** {@code events 12/18 sent, tokens 12,288/124,000 taken in, 410 tok/s, ETA 4m32s}: rate and ETA while tokens are pending. */
    synchronized String describe() {
        StringBuilder line = new StringBuilder(events());
        long total = tokensTotal();
        if (total > 0) {
            long done = tokensDone();
            line.append(String.format(Locale.ROOT, ", tokens %,d/%,d taken in", done, total));
            line.append(rateText());
            eta().ifPresent(eta -> line.append(", ETA ").append(durationText(eta)));
        }
        return line.toString();
    }

    /** {@code , 410 tok/s} while tokens are pending and the rate is known, else nothing. */
    synchronized String rateText() {
        OptionalDouble rate = rate();
        return rate.isPresent() && tokensDone() < tokensTotal() ? String.format(Locale.ROOT, ", %,.0f tok/s", rate.getAsDouble()) : "";
    }

    static String durationText(Duration d) {
        long s = d.toSeconds();
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    private long[] secondOldest() {
        var it = samples.iterator();
        it.next();
        return it.next();
    }

    private static long takenIn(MemoryUpdate m) {
        return m.getTokensIngested() - m.getTokensPending();
    }
}
