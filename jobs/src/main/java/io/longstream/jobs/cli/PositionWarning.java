package io.longstream.jobs.cli;

import io.longstream.inference.memory.TrainedPositions;
import io.longstream.inference.model.ModelConfig;
import io.longstream.state.cache.RopeMode;
import java.io.PrintWriter;

/** Tells the user, before a command runs, that its stream will pass the model's trained positions (once a command). */
final class PositionWarning {
    private PositionWarning() {
    }

    /** Prints the warning to {@code err} when a stream of {@code tokens} under {@code mode} passes the trained positions. */
    static void print(PrintWriter err, ModelConfig config, RopeMode mode, long tokens) {
        String warning = new TrainedPositions(config).firstPassedBy(mode, 0, tokens);
        if (warning != null) {
            err.println("warning: " + warning + " (" + tokens + " tokens)");
            err.flush();
        }
    }
}
