package io.longstream.jobs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Shows the sessions a savepoint of the pipeline holds, from the session operator's state. No operators type appears
 * in its fields or method signatures: picocli reflects on every command when the CLI starts, and where the CLI runs
 * without Flink and the operators (the GPU machine's carry) that must not load them.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show the sessions a savepoint or retained checkpoint of the pipeline holds.",
                "One line per session: its policy, tokens taken in and next position, caches, entries per layer, stored",
                "pages and bytes, tokens pending, events waiting and revision; --session shows one in detail. The state is",
                "read with Flink's State Processor API on this machine; the job need not run."})
final class InspectCommand implements Callable<Integer> {
    @Option(names = SavepointOption.NAME, required = true, paramLabel = "PATH", description = SavepointOption.DESCRIPTION)
    String savepoint;

    @Option(names = "--session", paramLabel = "ID", description = "show this session only, in detail")
    String session;

    @Option(names = "--json", description = "one JSON object per session and line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        SavedSessionText.print(SavepointOption.read(savepoint, session, false), json, session != null);
        return 0;
    }
}
