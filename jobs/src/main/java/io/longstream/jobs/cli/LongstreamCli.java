package io.longstream.jobs.cli;

import io.longstream.inference.model.ModelFormatException;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code longstream} command line. */
@Command(name = "longstream", mixinStandardHelpOptions = true, version = "longstream 0.1.0",
        description = "Continuous long-context LLM ingestion on Flink and Kafka.",
        subcommands = {DemoCommand.class, RunCommand.class, ProduceCommand.class, ConsumeCommand.class,
                LogitsCommand.class, GenerateCommand.class, PerplexityCommand.class, CacheMapCommand.class, ProfileCommand.class, BenchCommand.class, ConversationsCommand.class,
                InspectCommand.class, ReplayCommand.class})
public final class LongstreamCli implements Callable<Integer> {
    /**
     * Whether the real stderr is a terminal ({@code true}/{@code false}), told by the launcher: it filters the JVM's
     * stderr through a pipe, so the JVM cannot see for itself. Unset means not a terminal, which is right anywhere.
     */
    public static final String STDERR_IS_TERMINAL = "longstream.stderr.terminal";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** No command given: the usage goes to stderr and the exit status says it was a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return spec.exitCodeOnInvalidInput();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with the error handling users see: one line naming what is wrong. */
    public static CommandLine commandLine() {
        return withErrorHandling(new CommandLine(new LongstreamCli()));
    }

    /**
     * Bad input (a setting, a model folder) ends the command with one line that names it (exit 2), and so
     * does a broker that cannot be reached or refuses what was sent (exit 1).
     */
    public static CommandLine withErrorHandling(CommandLine cl) {
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ModelFormatException || e instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 2;
            }
            if (e instanceof KafkaException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }
}
