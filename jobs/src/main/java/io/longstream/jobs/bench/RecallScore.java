package io.longstream.jobs.bench;

import io.longstream.conversations.ConversationEvent;
import io.longstream.conversations.QuestionType;
import io.longstream.inference.eval.NextTokenLoss;
import java.util.LinkedHashMap;
import java.util.Map;

/** What one policy at one budget scored: exact matches by question type and by fact depth, and what it cost. */
final class RecallScore {
    /** Fact depth bands: where the (earlier) fact was stated, as a share of the text before the question. */
    static final String[] DEPTHS = {"0-25%", "25-50%", "50-75%", "75-100%"};

    private final int[] typeRight = new int[QuestionType.values().length];
    private final int[] typeAsked = new int[QuestionType.values().length];
    private final int[] depthRight = new int[DEPTHS.length];
    private final int[] depthAsked = new int[DEPTHS.length];
    private int right;
    private int asked;
    private int rejected;
    private double attendedSum;
    private double factKeptSum;
    private int factsLocated;
    private double nllSum;
    private long predicted;
    long cacheBytes;
    long answerCacheBytes;
    long tokens;
    double seconds;

    /**
     * A query answered (or refused: {@code answered} false) from a cache holding {@code attended} entries a (layer, KV head)
     * and {@code factKept} of the entries of the value(s) asked about (NaN: none stated, or not located).
     */
    void add(ConversationEvent query, boolean answered, boolean correct, double attended, double factKept) {
        asked++;
        if (!Double.isNaN(factKept)) {
            factKeptSum += factKept;
            factsLocated++;
        }
        if (!answered) {
            rejected++;
        }
        attendedSum += attended;
        int type = query.questionType().ordinal();
        typeAsked[type]++;
        if (!Double.isNaN(query.depth())) {
            depthAsked[band(query.depth())]++;
        }
        if (correct) {
            right++;
            typeRight[type]++;
            if (!Double.isNaN(query.depth())) {
                depthRight[band(query.depth())]++;
            }
        }
    }

    /** A session's stream, scored token by token as it was prefilled. */
    void addStream(NextTokenLoss loss) {
        nllSum += loss.nllSum();
        predicted += loss.predicted();
    }

    /** exp of the mean NLL of every stream token after the first (queries and answers left out). */
    double perplexity() {
        return predicted == 0 ? Double.NaN : Math.exp(nllSum / predicted);
    }

    private static int band(double depth) {
        return Math.min(DEPTHS.length - 1, (int) (depth * DEPTHS.length));
    }

    int queries() {
        return asked;
    }

    int rejected() {
        return rejected;
    }

    double accuracy() {
        return asked == 0 ? Double.NaN : (double) right / asked;
    }

    /** Accuracy by question type (its JSON name), NaN where none was asked. */
    Map<String, Double> byType() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (QuestionType t : QuestionType.values()) {
            out.put(t.jsonName(), share(typeRight[t.ordinal()], typeAsked[t.ordinal()]));
        }
        return out;
    }

    /** Accuracy by depth band of the fact asked about ("not stated" questions have none), NaN where none was asked. */
    Map<String, Double> byDepth() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int b = 0; b < DEPTHS.length; b++) {
            out.put(DEPTHS[b], share(depthRight[b], depthAsked[b]));
        }
        return out;
    }

    /** Entries a query attended from memory, per (layer, KV head), on average (its own prompt and answer left out). */
    double attendedEntries() {
        return asked == 0 ? Double.NaN : attendedSum / asked;
    }

    /**
     * The mean share of the asked values' entries (every layer, KV head and token of the value at its latest statement)
     * that the answering cache held when the question came, over the questions about a stated fact.
     */
    double factKept() {
        return factsLocated == 0 ? Double.NaN : factKeptSum / factsLocated;
    }

    double tokensPerSecond() {
        return tokens / seconds;
    }

    private static double share(int right, int asked) {
        return asked == 0 ? Double.NaN : (double) right / asked;
    }
}
