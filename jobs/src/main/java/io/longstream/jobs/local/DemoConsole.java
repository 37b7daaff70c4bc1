package io.longstream.jobs.local;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * What the demo prints: result lines on stdout, and its {@link DemoProgress} on stderr. On a terminal that is a bar
 * of the tokens taken in, drawn in place, cleared before each result line and drawn again after it, so the two never
 * run into each other; elsewhere (a log, a pipe) a plain line now and then, without carriage returns or escape codes.
 */
final class DemoConsole implements AutoCloseable {
    /** How often a plain progress line is written, at most. */
    static final Duration PLAIN_EVERY = Duration.ofSeconds(5);

    private final PrintStream out;
    private final PrintStream err;
    private final DemoProgress progress;
    /** Null when stderr is not a terminal. */
    private final ProgressBar bar;
    private final long plainEveryNanos;
    private String lastBar = "";
    private String lastPlain;
    private long lastPlainAt;

    DemoConsole(PrintStream out, PrintStream err, boolean terminal, DemoProgress progress, Duration plainEvery) {
        this.out = out;
        this.err = err;
        this.progress = progress;
        this.plainEveryNanos = plainEvery.toNanos();
        this.bar = terminal ? new ProgressBarBuilder()
                .setTaskName("tokens")
                .setInitialMax(0)
                .setUpdateIntervalMillis(250)
                .setEtaFunction(state -> progress.eta())
                .setConsumer(new DelegatingProgressBarConsumer(this::drawBar, 79))
                .build() : null;
    }

    synchronized void line(String text) {
        clearBar();
        out.println(text);
        out.flush();
        if (!lastBar.isEmpty()) {
            err.print(lastBar);
            err.flush();
        }
    }

    /** Shows the progress as of {@code nanos} (a {@link System#nanoTime()}). */
    void progress(long nanos) {
        progress.sample(nanos);
        if (bar != null) {
            bar.maxHint(progress.tokensTotal());
            bar.stepTo(progress.tokensDone());
            bar.setExtraMessage(progress.events() + progress.rateText());
            return;
        }
        String text = progress.describe();
        if (!text.equals(lastPlain) && (lastPlain == null || nanos - lastPlainAt >= plainEveryNanos)) {
            plain(text, nanos);
        }
    }

    private synchronized void plain(String text, long nanos) {
        err.println("progress: " + text);
        err.flush();
        lastPlain = text;
        lastPlainAt = nanos;
    }

    private synchronized void drawBar(String rendered) {
        clearBar();
        lastBar = rendered;
        err.print(rendered);
        err.flush();
    }

    private void clearBar() {
        if (!lastBar.isEmpty()) {
            err.print("\r" + " ".repeat(lastBar.length()) + "\r");
        }
    }

    /** Ends the progress display; a plain one writes where it ended, if it has not yet. */
    @Override
    public void close() {
        if (bar == null) {
            String text = progress.describe();
            if (!text.equals(lastPlain)) {
                plain(text, System.nanoTime());
            }
            return;
        }
        // outside the lock: closing waits for the bar's render thread, which takes it to draw
        bar.close();
        synchronized (this) {
            clearBar();
            lastBar = "";
            err.flush();
        }
    }
}
