package io.longstream.jobs.cli;

import io.longstream.inference.model.ModelFormatException;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code longstream} command line. */
@Command(name = "longstream", mixinStandardHelpOptions = true, version = "longstream 0.1.0",
        description = "Continuous long-context LLM ingestion on Flink and Kafka.",
        subcommands = {DemoCommand.class, RunCommand.class, ProduceCommand.class, ConsumeCommand.class,
                LogitsCommand.class, GenerateCommand.class, PerplexityCommand.class, CacheMapCommand.class, ProfileCommand.class, BenchCommand.class, ConversationsCommand.class})
public final class LongstreamCli implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
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
    static CommandLine withErrorHandling(CommandLine cl) {
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
