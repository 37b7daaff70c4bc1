package io.longstream.jobs.local;

import java.io.PrintStream;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * What the demo prints: result lines on stdout and a progress bar on stderr that is cleared before
 * each line and drawn again after it, so the two never run into each other on a terminal.
 */
final class DemoConsole implements AutoCloseable {
    private final PrintStream out;
    private final PrintStream err;
    private final ProgressBar bar;
    private String lastBar = "";

    DemoConsole(PrintStream out, PrintStream err, String task, long total) {
        this.out = out;
        this.err = err;
        this.bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUpdateIntervalMillis(250)
                .setConsumer(new DelegatingProgressBarConsumer(this::drawBar, 72))
                .build();
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

    void progress(long done, long total) {
        bar.maxHint(total);
        bar.stepTo(done);
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

    @Override
    public void close() {
        // outside the lock: closing waits for the bar's render thread, which takes it to draw
        bar.close();
        synchronized (this) {
            clearBar();
            lastBar = "";
            err.flush();
        }
    }
}
