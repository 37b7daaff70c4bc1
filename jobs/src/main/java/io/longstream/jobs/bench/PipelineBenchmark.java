package io.longstream.jobs.bench;

import io.longstream.inference.Model;
import io.longstream.jobs.pipeline.PipelineSettings;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code longstream bench pipeline}: generated sessions through the whole pipeline (Kafka, Flink, RocksDB, the job
 * graph) in this JVM, then the same work on the bare runtime ({@link BareRun}), batched the same way, with the ratio of
 * the two and whether their answers are the same bits.
 */
public final class PipelineBenchmark {
    /** What to play: sessions, their length, each query's max new tokens, the generator's seed, and the time allowed. */
    public record Plan(int sessions, int eventsPerSession, int answerTokens, long seed, Duration timeout) {
    }

    private final PrintStream log;

    public PipelineBenchmark(PrintStream log) {
        this.log = log;
    }

    /** Runs both; {@code settings.modelDir} is the model, its other settings the job's. */
    public PipelineReport run(PipelineSettings settings, Plan plan) throws Exception {
        settings.checkHere();
        BareRun.check(settings);
        // the warm-up compiles the kernels on both paths, batched ones included, and is never timed: two short sessions
        BenchSessions warmup = BenchSessions.generate("bench-warmup", 2, 2, plan.answerTokens(), plan.seed() + 1);
        BenchSessions work = BenchSessions.generate("bench", plan.sessions(), plan.eventsPerSession(), plan.answerTokens(), plan.seed());
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        PipelineRun.Result pipeline = new PipelineRun(log).run(settings, warmup, work, plan.timeout());
        BareRun.Result bare;
        log.println("bare runtime: loading the model and playing the same sessions ...");
        try (Model model = Model.load(settings.modelDir, settings.backend)) {
            BareRun run = new BareRun(model, settings);
            run.run(warmup);
            bare = run.run(work);
        }
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return new PipelineReport(MachineDescription.describe(settings.backend.threads()), settings.modelDir.getFileName().toString(),
                settings, plan, work.events().size(), work.queries(), pipeline, bare, sameAnswers(pipeline.answers(), bare.answers()),
                loadBefore, loadAfter);
    }

    private static boolean sameAnswers(Map<String, int[]> a, Map<String, int[]> b) {
        return a.keySet().equals(b.keySet()) && a.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), b.get(e.getKey())));
    }
}
