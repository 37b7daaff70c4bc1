package io.longstream.operators;

import java.io.Serializable;

/** Limits an event must keep to be processed; one that breaks them is rejected with the limit named. */
public final class EventLimits implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_TEXT_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_NEW_TOKENS = 1024;

    final int maxTextBytes;
    final int maxNewTokens;

    public EventLimits(int maxTextBytes, int maxNewTokens) {
        if (maxTextBytes < 1) {
            throw new IllegalArgumentException("max text bytes must be >= 1, got " + maxTextBytes);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        this.maxTextBytes = maxTextBytes;
        this.maxNewTokens = maxNewTokens;
    }

    public static EventLimits defaults() {
        return new EventLimits(DEFAULT_MAX_TEXT_BYTES, DEFAULT_MAX_NEW_TOKENS);
    }
}
