package io.longstream.inference.eval;

import java.util.Arrays;

/**
 * The negative log-likelihood of every next token of one stream fed in pieces: each piece's logits predict its own
 * next tokens, and its last row predicts the first token of the piece that follows, whatever came in between without
 * entering the stream (a query in an overlay, say).
 */
public final class NextTokenLoss {
    private final int vocab;
    private float[] lastRow;
    private double nllSum;
    private long predicted;

    public NextTokenLoss(int vocab) {
        this.vocab = vocab;
    }

    /** @param logits [tokens.length][vocab], row j the prediction after tokens[0..j] */
    public void add(int[] tokens, float[] logits) {
        if (logits.length != tokens.length * vocab) {
            throw new IllegalArgumentException("logits of " + logits.length / vocab + " rows for " + tokens.length + " tokens");
        }
        if (tokens.length == 0) {
            return;
        }
        if (lastRow != null) {
            nllSum += negativeLogLikelihood(lastRow, 0, vocab, tokens[0]);
            predicted++;
        }
        for (int j = 0; j + 1 < tokens.length; j++) {
            nllSum += negativeLogLikelihood(logits, j * vocab, vocab, tokens[j + 1]);
            predicted++;
        }
        lastRow = Arrays.copyOfRange(logits, (tokens.length - 1) * vocab, tokens.length * vocab);
    }

    /** Tokens predicted so far: every token of the stream but its first. */
    public long predicted() {
        return predicted;
    }

    /** Their summed NLL, in nats. */
    public double nllSum() {
        return nllSum;
    }

    /** −log softmax(row)[target], in double: log Σ exp(z − max) + max − z_target. */
    static double negativeLogLikelihood(float[] logits, int offset, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += StrictMath.exp(logits[offset + v] - max);
        }
        return StrictMath.log(sum) + max - logits[offset + target];
    }
}
