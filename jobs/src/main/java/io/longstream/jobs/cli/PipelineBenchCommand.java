package io.longstream.jobs.cli;

import io.longstream.inference.model.RandomModelWriter;
import io.longstream.jobs.bench.PipelineBenchmark;
import io.longstream.jobs.bench.PipelineReport;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.jobs.pipeline.PipelineSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench pipeline}: the whole pipeline against the bare runtime on the same generated sessions. */
@Command(name = "pipeline", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Measure generated sessions through Kafka, Flink and RocksDB in this process against the bare runtime.",
                "Plays seeded sessions (documents, turns, queries) through the real job on an embedded broker and MiniCluster,",
                "all events produced at once, then the same work on the runtime alone, batched the same way; prints events/s,",
                "tokens/s, time to answer and the ratio of the two, with whether their answers are the same bits."})
final class PipelineBenchCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--sessions", paramLabel = "N", description = "sessions to play (default: ${DEFAULT-VALUE})")
    int sessions = 16;

    @Option(names = "--events-per-session", paramLabel = "N", description = "events of each session, the last a query (default: ${DEFAULT-VALUE})")
    int eventsPerSession = 4;

    @Option(names = "--answer-tokens", paramLabel = "N", description = "max new tokens of every query (default: ${DEFAULT-VALUE})")
    int answerTokens = 16;

    @Option(names = "--seed", paramLabel = "N", description = "seed of the generated sessions (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--random-model-dir", paramLabel = "DIR",
            description = "where the random Llama-3.2-1B-shaped model run without --model is kept, written when missing (default: ${DEFAULT-VALUE})")
    Path randomModelDir = defaultRandomModelDir();

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "give up when the pipeline has not answered by then (default: ${DEFAULT-VALUE})")
    long timeoutSeconds = 3600;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    private final PrintStream out;
    private final PrintStream err;

    PipelineBenchCommand() {
        this(System.out, System.err);
    }

    PipelineBenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public List<Setting<?>> settings() {
        return Settings.PIPELINE;
    }

    @Override
    public Integer call() throws Exception {
        positive("--sessions", sessions);
        positive("--events-per-session", eventsPerSession);
        positive("--answer-tokens", answerTokens);
        positive("--timeout", timeoutSeconds);
        PipelineSettings settings = new PipelineSettings(SettingValues.of(spec, settings()));
        if (answerTokens > settings.maxNewTokens) {
            throw new IllegalArgumentException("--answer-tokens " + answerTokens + " is above --max-new-tokens " + settings.maxNewTokens);
        }
        if (settings.modelDir == null) {
            settings.modelDir = RandomModelWriter.benchModel(randomModelDir, err);
        }
        PipelineReport report = new PipelineBenchmark(err).run(settings,
                new PipelineBenchmark.Plan(sessions, eventsPerSession, answerTokens, seed, Duration.ofSeconds(timeoutSeconds)));
        if (json) {
            out.println(report.json());
        } else {
            report.printTable(out);
        }
        return report.ok() ? 0 : 1;
    }

    private static void positive(String option, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + value);
        }
    }

    private static Path defaultRandomModelDir() {
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("longstream").resolve("random-llama-3.2-1b-bf16");
    }
}
