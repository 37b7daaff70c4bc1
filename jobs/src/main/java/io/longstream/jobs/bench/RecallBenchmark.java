package io.longstream.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.ConversationSpec;
import io.longstream.inference.Model;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.state.policy.KeptEntries;
import io.longstream.state.policy.PolicySpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Answer accuracy against memory: generated conversations through the session memories under a policy, each question
 * scored by exact match of its normalised answer, by question type and by fact depth, beside what the memory cost.
 * {@code --all} compares every policy at kept entries of 10%, 20% and 40% of the mean conversation, with one chunk.
 */
@Command(name = "recall", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Answer accuracy of a cache policy on generated long conversations (exact match, by question type and "
                + "fact depth), the streaming perplexity of the conversations, the entries a query attended, the cache bytes stored and tokens/s.",
                "--all: full, window, sinks, lacache and epicache at kept entries of 10%%, 20%% and 40%% of the mean conversation "
                        + "length (docs/kv-policies.md, Kept entries), all with one chunk."})
public final class RecallBenchmark implements Callable<Integer>, Configured {
    /** The budgets of --all, as fractions of the mean conversation length kept. */
    static final double[] FRACTIONS = {0.1, 0.2, 0.4};
    static final List<String> POLICIES = List.of("window", "sinks", "lacache", "epicache");

    @Spec
    CommandSpec spec;

    @Option(names = "--sessions", paramLabel = "N", description = "generated conversations (default: ${DEFAULT-VALUE})")
    int sessions = 20;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the conversations (default: ${DEFAULT-VALUE}, the "
            + "demo model's held-out seed; it was trained on seeds 1 and 3)")
    long seed = 2;

    @Option(names = "--min-words", paramLabel = "W", description = "shortest conversation, in words (default: ${DEFAULT-VALUE})")
    int minWords = ConversationSpec.DEFAULT_MIN_WORDS;

    @Option(names = "--max-words", paramLabel = "W", description = "longest conversation, in words (default: ${DEFAULT-VALUE})")
    int maxWords = ConversationSpec.DEFAULT_MAX_WORDS;

    @Option(names = "--all", description = "every policy at 10%%, 20%% and 40%% of the mean conversation length (and full)")
    boolean all;

    @Option(names = "--json", description = "one JSON object per policy and budget instead of the table")
    boolean json;

    private final PrintStream out;

    public RecallBenchmark() {
        this(System.out);
    }

    RecallBenchmark(PrintStream out) {
        this.out = out;
    }

    @Override
    public List<Setting<?>> settings() {
        return Settings.POLICY_RUN;
    }

    @Override
    public Integer call() {
        SettingValues values = SettingValues.of(spec, settings());
        ConversationGenerator generator = new ConversationGenerator(new ConversationSpec(seed, sessions, minWords, maxWords));
        try (Model model = Model.load(values.get(Settings.MODEL), Settings.backendHere(values))) {
            RecallSessions conversations = new RecallSessions(model, generator);
            double mean = conversations.meanTokens();
            int layers = model.config().layers;
            List<PolicySpec> runs = new ArrayList<>();
            int chunk;
            if (all) {
                if (Settings.policy(values).budget() != 0 || !values.get(Settings.POLICY).name().equals("full")) {
                    throw new IllegalArgumentException("--all runs every policy at its own budgets: give it without --policy and --budget");
                }
                chunk = sharedChunk(values.get(Settings.CHUNK), layers, mean);
                runs.add(PolicySpec.parse("full"));
                for (String name : POLICIES) {
                    for (double f : FRACTIONS) {
                        runs.add(KeptEntries.budgetFor(PolicySpec.parse(name), layers, chunk, kept(f, mean)));
                    }
                }
            } else {
                chunk = values.get(Settings.CHUNK);
                runs.add(Settings.policy(values));
            }
            RecallRun run = new RecallRun(model, conversations, chunk, values.get(Settings.CACHE_DTYPE));
            if (!json) {
                out.printf(Locale.ROOT, "%d conversations (seed %d), mean %.0f tokens, %s; model %s; chunk %d%n", sessions, seed, mean,
                        conversations.questions(), model.dir().getFileName(), chunk);
                out.println(RecallTable.HEADER);
            }
            for (PolicySpec policy : runs) {
                KeptEntries.Sizing sizing = KeptEntries.of(policy, layers, chunk);
                RecallScore score = run.run(policy);
                out.println(json ? json(policy, sizing, mean, score) : RecallTable.row(policy, sizing, mean, score));
                out.flush();
            }
        }
        return 0;
    }

    /** K for a fraction of the mean conversation. */
    static int kept(double fraction, double meanTokens) {
        return Math.max(1, (int) Math.round(fraction * meanTokens));
    }

    /**
     * The one chunk of --all: the largest C up to {@code configured} at which every policy keeps every K with c* = C
     * (epicache needs B >= 4C, recency K >= C), so no policy attends larger chunks than another.
     */
    static int sharedChunk(int configured, int layers, double meanTokens) {
        for (int c = configured; c >= 1; c--) {
            if (fitsAll(c, layers, meanTokens)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no chunk lets every policy keep " + kept(FRACTIONS[0], meanTokens)
                + " entries (10% of the mean conversation): generate longer conversations (--min-words, --max-words)");
    }

    private static boolean fitsAll(int chunk, int layers, double meanTokens) {
        for (String name : POLICIES) {
            for (double f : FRACTIONS) {
                try {
                    KeptEntries.budgetFor(PolicySpec.parse(name), layers, chunk, kept(f, meanTokens));
                } catch (IllegalArgumentException none) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String json(PolicySpec policy, KeptEntries.Sizing sizing, double mean, RecallScore score) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("policy", policy.name());
        o.put("spec", policy.toString());
        o.put("budget", sizing.budget());
        o.put("budget_fraction", RecallTable.fraction(sizing, mean));
        o.put("kept_entries", sizing.kept());
        o.put("chunk", sizing.chunk());
        o.put("queries", score.queries());
        o.put("rejected", score.rejected());
        share(o, "accuracy", score.accuracy());
        ObjectNode byType = o.putObject("by_type");
        score.byType().forEach((k, v) -> share(byType, k, v));
        ObjectNode byDepth = o.putObject("by_depth");
        score.byDepth().forEach((k, v) -> share(byDepth, k, v));
        share(o, "perplexity", score.perplexity());
        share(o, "fact_kept", score.factKept());
        share(o, "attended_entries", score.attendedEntries());
        o.put("cache_bytes", score.cacheBytes);
        o.put("answer_cache_bytes", score.answerCacheBytes);
        o.put("tokens_per_s", score.tokensPerSecond());
        return o.toString();
    }

    /** A number, or null where there was nothing to measure (no question of that kind). */
    private static void share(ObjectNode o, String field, double value) {
        if (Double.isNaN(value)) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }
}
