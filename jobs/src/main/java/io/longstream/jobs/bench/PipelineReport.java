package io.longstream.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longstream.jobs.pipeline.PipelineSettings;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** The pipeline benchmark's figures, as a table or one JSON object; throughputs are over each run's wall time. */
public final class PipelineReport {
    private final String machine;
    private final String model;
    private final PipelineSettings settings;
    private final PipelineBenchmark.Plan plan;
    private final int events;
    private final int queries;
    private final PipelineRun.Result pipeline;
    private final BareRun.Result bare;
    private final boolean sameAnswers;
    private final double loadBefore;
    private final double loadAfter;

    PipelineReport(String machine, String model, PipelineSettings settings, PipelineBenchmark.Plan plan, int events, int queries,
                   PipelineRun.Result pipeline, BareRun.Result bare, boolean sameAnswers, double loadBefore, double loadAfter) {
        this.machine = machine;
        this.model = model;
        this.settings = settings;
        this.plan = plan;
        this.events = events;
        this.queries = queries;
        this.pipeline = pipeline;
        this.bare = bare;
        this.sameAnswers = sameAnswers;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
    }

    /** Every query answered, none rejected, and the pipeline's answers and ingestion the bare runtime's, bit for bit. */
    public boolean ok() {
        return pipeline.answers().size() == queries && pipeline.rejected() == 0 && bare.rejected() == 0 && sameAnswers
                && pipeline.ingestedTokens() == bare.ingestedTokens();
    }

    private long decoded() {
        return pipeline.answers().values().stream().mapToLong(a -> a.length).sum();
    }

    private long bareDecoded() {
        return bare.answers().values().stream().mapToLong(a -> a.length).sum();
    }

    private double ratio() {
        return bare.seconds() / pipeline.seconds();
    }

    public void printTable(PrintStream out) {
        out.println();
        out.printf("Pipeline benchmark on %s%n", machine);
        out.printf(Locale.ROOT, "model %s; %d sessions x %d events (%d queries, max %d new tokens each, greedy); max batch %d,"
                        + " %d tokens; policy %s; checkpoint every %.1f s; load average %.1f before, %.1f after%n", model, plan.sessions(),
                plan.eventsPerSession(), queries, plan.answerTokens(), settings.maxBatch, settings.maxBatchTokens,
                settings.policy, settings.checkpointInterval.toMillis() / 1000.0, loadBefore, loadAfter);
        out.printf(Locale.ROOT, "%d tokens ingested, %d prompt tokens, %d tokens decoded; answers %d/%d, rejected %d;"
                        + " pipeline answers %s the bare runtime's%n", pipeline.ingestedTokens(), bare.promptTokens(), decoded(),
                pipeline.answers().size(), queries, pipeline.rejected(), sameAnswers ? "bit-identical to" : "DIFFER from");
        out.println();
        out.printf("| %-8s | %9s | %9s | %15s | %15s | %12s | %12s |%n", "run", "seconds", "events/s", "ingested tok/s",
                "decoded tok/s", "answer p50", "answer p99");
        out.printf("|%s|%s|%s|%s|%s|%s|%s|%n", "-".repeat(10), "-".repeat(11), "-".repeat(11), "-".repeat(17), "-".repeat(17),
                "-".repeat(14), "-".repeat(14));
        out.printf(Locale.ROOT, "| %-8s | %9.1f | %9.2f | %15.1f | %15.2f | %9.0f ms | %9.0f ms |%n", "pipeline", pipeline.seconds(),
                events / pipeline.seconds(), pipeline.ingestedTokens() / pipeline.seconds(), decoded() / pipeline.seconds(),
                percentile(pipeline.answerMillis(), 50), percentile(pipeline.answerMillis(), 99));
        out.printf(Locale.ROOT, "| %-8s | %9.1f | %9s | %15.1f | %15.2f | %12s | %12s |%n", "bare", bare.seconds(), "-",
                bare.ingestedTokens() / bare.seconds(), bareDecoded() / bare.seconds(), "-", "-");
        out.printf(Locale.ROOT, "pipeline/bare: %.2f (tokens/s of the pipeline over the bare runtime's on the same work)%n", ratio());
    }

    public String json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("machine", machine);
        root.put("model", model);
        root.put("sessions", plan.sessions());
        root.put("events_per_session", plan.eventsPerSession());
        root.put("max_batch", settings.maxBatch);
        root.put("max_batch_tokens", settings.maxBatchTokens);
        root.put("backend", settings.backend.kind().toString());
        root.put("threads", settings.backend.threads());
        root.put("policy", settings.policy.toString());
        root.put("answer_tokens", plan.answerTokens());
        root.put("seed", plan.seed());
        root.put("checkpoint_interval_s", settings.checkpointInterval.toMillis() / 1000.0);
        root.put("load_average_before", loadBefore);
        root.put("load_average_after", loadAfter);
        root.put("events", events);
        root.put("queries", queries);
        root.put("answers", pipeline.answers().size());
        root.put("rejected", pipeline.rejected());
        root.put("ingested_tokens", pipeline.ingestedTokens());
        root.put("prompt_tokens", bare.promptTokens());
        root.put("decoded_tokens", decoded());
        ObjectNode p = root.putObject("pipeline");
        p.put("seconds", pipeline.seconds());
        p.put("events_per_s", events / pipeline.seconds());
        p.put("ingested_tokens_per_s", pipeline.ingestedTokens() / pipeline.seconds());
        p.put("decoded_tokens_per_s", decoded() / pipeline.seconds());
        // no answer, no time: null rather than NaN, which JSON has no word for
        if (!pipeline.answerMillis().isEmpty()) {
            p.put("time_to_answer_p50_ms", percentile(pipeline.answerMillis(), 50));
            p.put("time_to_answer_p99_ms", percentile(pipeline.answerMillis(), 99));
        } else {
            p.putNull("time_to_answer_p50_ms");
            p.putNull("time_to_answer_p99_ms");
        }
        ObjectNode b = root.putObject("bare");
        b.put("seconds", bare.seconds());
        b.put("ingested_tokens", bare.ingestedTokens());
        b.put("decoded_tokens", bareDecoded());
        b.put("ingested_tokens_per_s", bare.ingestedTokens() / bare.seconds());
        b.put("decoded_tokens_per_s", bareDecoded() / bare.seconds());
        root.put("pipeline_over_bare", ratio());
        root.put("answers_identical", sameAnswers);
        return root.toString();
    }

    /** The nearest-rank percentile. */
    private static double percentile(List<Double> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
