package io.longstream.jobs.bench;

import io.longstream.state.policy.KeptEntries;
import io.longstream.state.policy.PolicySpec;
import java.util.Locale;
import java.util.Map;

/** The rows of {@code bench recall}'s table, a Markdown table so that it pastes into docs. */
final class RecallTable {
    static final String HEADER = "| policy | B | kept K | K / mean | c* | accuracy | single | updated | two facts | not stated "
            + "| depth 0-25% | 25-50% | 50-75% | 75-100% | perplexity | fact kept | attended | cache KiB | answer cache KiB | tokens/s | refused |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    private RecallTable() {
    }

    /** K as a share of the mean conversation; 1 for full without a budget, which keeps everything. */
    static double fraction(KeptEntries.Sizing sizing, double meanTokens) {
        return sizing.kept() == 0 ? 1.0 : sizing.kept() / meanTokens;
    }

    static String row(PolicySpec policy, KeptEntries.Sizing sizing, double meanTokens, RecallScore score) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %d | %s", policy.name(), sizing.budget() == 0 ? "-" : sizing.budget(),
                sizing.kept() == 0 ? "all" : sizing.kept(), fraction(sizing, meanTokens), sizing.chunk(), share(score.accuracy())));
        cells(s, score.byType());
        cells(s, score.byDepth());
        s.append(String.format(Locale.ROOT, " | %.3f | %s | %.0f | %.0f | %.0f | %.0f | %d |", score.perplexity(), share(score.factKept()),
                score.attendedEntries(), score.cacheBytes / 1024.0,
                score.answerCacheBytes / 1024.0, score.tokensPerSecond(), score.rejected()));
        return s.toString();
    }

    private static void cells(StringBuilder s, Map<String, Double> shares) {
        shares.values().forEach(v -> s.append(" | ").append(share(v)));
    }

    private static String share(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }
}
