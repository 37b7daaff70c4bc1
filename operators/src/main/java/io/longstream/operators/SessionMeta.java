package io.longstream.operators;

import java.util.Arrays;

/**
 * A session's bookkeeping in Flink state, a POJO so Flink serialises it without Kryo: where the
 * cache stands (the KV entries themselves live in pages) and the tokens not yet prefilled.
 */
public class SessionMeta {
    /** Next original position the cache will hand out. */
    public int nextPosition;
    /**
     * Slots spanned per (cache, layer, KV head), free ones included: the pages to restore.
     * [cache * layers * kvHeads + layer * kvHeads + head]; one cache, or one per episode under epicache.
     */
    public int[] headSlots = new int[0];
    /** Entries kept per (cache, layer, KV head), indexed as headSlots. */
    public int[] headEntries = new int[0];
    /** Tokens of the session's stream not yet prefilled, oldest first. */
    public int[] pending = new int[0];
    /**
     * The source records of the events with tokens in {@code pending}, oldest first, and where each one's tokens end
     * there: a prefill that fails rejects them.
     */
    public RawRecord[] pendingSources = new RawRecord[0];
    public int[] pendingEnds = new int[0];
    /** Whether the stream's opening tokens (BOS) were emitted. */
    public boolean started;
    /** The previous conversation turn, for the chat template's incremental render; null before the first. */
    public String previousRole;
    public String previousText;
    /** Tokens taken into the stream so far. */
    public long tokensIngested;
    /** The last event taken into the stream, named by memory updates. */
    public String lastEventId;
    /** The answer being decoded for the query at the head of the queue: its tokens so far. */
    public int[] answerTokens = new int[0];
    /** Wall-clock ms when that answer's first step and first token came; 0 = not yet. */
    public long answerStartedAt;
    public long answerFirstTokenAt;
    /** When the session expires if no event comes first (processing time, ms); 0 = no expiry timer. */
    public long expiresAt;
    /** The session's own policy (SET_POLICY), null for the job's. */
    public String policySpec;
    /** The memory's header ({@code MemoryHeader}): what the policy remembers between chunks (lacache: its cursor). */
    public long[] policyState = new long[0];
    /** Entries the policy evicted so far, summed over (layer, KV head). */
    public long evictions;
    /** Changes made to the session's memory (chunks, segments, policy switches): a live copy is used only if it has seen as many. */
    public long revision;
    /**
     * The memory's header, continued: epicache's open segment and b_l per layer (empty for the other policies). Kept
     * under these names so that savepoints taken before the header existed restore as they are.
     */
    public String[] openUtterances = new String[0];
    public int[] layerBudgets = new int[0];
    /** epicache: the episode answering the query at the head of the queue (-1: none routed yet), fixed for all its blocks. */
    public int answerCache = -1;
    /**
     * What the memory was last saved under, so that a savepoint can be read and replayed without the job's options: the
     * job's policy spec (its budget folded in; a session's own is {@link #policySpec}), the prefill chunk C, the cache
     * dtype, and the model's layers and KV heads, which index {@link #headSlots}. Null and 0 in state saved before they
     * were kept.
     */
    public String savedJobPolicy;
    public int savedChunk;
    public String savedCacheDtype;
    public int savedLayers;
    public int savedKvHeads;

    public SessionMeta() {
    }

    /** Whether the session has seen nothing, so its state can be dropped. */
    public boolean isEmpty() {
        return !started && pending.length == 0 && headSlots.length == 0 && answerTokens.length == 0 && policySpec == null;
    }

    /** Appends an accepted event's tokens to the stream, to be prefilled. */
    public void addPending(int[] tokens, RawRecord source) {
        int[] grown = Arrays.copyOf(pending, pending.length + tokens.length);
        System.arraycopy(tokens, 0, grown, pending.length, tokens.length);
        pending = grown;
        pendingSources = Arrays.copyOf(pendingSources, pendingSources.length + 1);
        pendingSources[pendingSources.length - 1] = source;
        pendingEnds = Arrays.copyOf(pendingEnds, pendingEnds.length + 1);
        pendingEnds[pendingEnds.length - 1] = pending.length;
        tokensIngested += tokens.length;
    }

    /** Takes the oldest {@code count} pending tokens off, for a prefill chunk; an event stays while tokens of it are left. */
    public int[] takePending(int count) {
        int[] chunk = Arrays.copyOf(pending, count);
        pending = Arrays.copyOfRange(pending, count, pending.length);
        int done = 0;
        while (done < pendingEnds.length && pendingEnds[done] <= count) {
            done++;
        }
        pendingSources = Arrays.copyOfRange(pendingSources, done, pendingSources.length);
        pendingEnds = Arrays.copyOfRange(pendingEnds, done, pendingEnds.length);
        for (int i = 0; i < pendingEnds.length; i++) {
            pendingEnds[i] -= count;
        }
        return chunk;
    }

    /**
     * Drops every pending token (a prefill of them failed) and returns the source records of their events. A session
     * none of whose tokens reached the cache starts its stream again (BOS) with its next event.
     */
    public RawRecord[] dropPending() {
        RawRecord[] sources = pendingSources;
        tokensIngested -= pending.length;
        pending = new int[0];
        pendingSources = new RawRecord[0];
        pendingEnds = new int[0];
        if (nextPosition == 0) {
            started = false;
            previousRole = null;
            previousText = null;
        }
        return sources;
    }

    /** The answer at the head of the queue is done (answered or rejected). */
    public void endAnswer() {
        answerTokens = new int[0];
        answerStartedAt = 0;
        answerFirstTokenAt = 0;
        answerCache = -1;
    }

    /** Back to a session that has seen nothing (RESET, CLOSE). */
    public void clear() {
        nextPosition = 0;
        headSlots = new int[0];
        headEntries = new int[0];
        pending = new int[0];
        pendingSources = new RawRecord[0];
        pendingEnds = new int[0];
        started = false;
        previousRole = null;
        previousText = null;
        lastEventId = null;
        tokensIngested = 0;
        revision = 0;
        openUtterances = new String[0];
        layerBudgets = new int[0];
        evictions = 0;
        policySpec = null;
        endAnswer();
        policyState = new long[0];
        savedJobPolicy = null;
        savedChunk = 0;
        savedCacheDtype = null;
        savedLayers = 0;
        savedKvHeads = 0;
    }
}
