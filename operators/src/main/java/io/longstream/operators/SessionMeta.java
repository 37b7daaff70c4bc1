package io.longstream.operators;

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
    /** What the policy remembers between chunks (lacache: its cursor). */
    public long[] policyState = new long[0];
    /** Entries the policy evicted so far, summed over (layer, KV head). */
    public long evictions;
    /** Changes made to the session's memory (chunks, segments, policy switches): a live copy is used only if it has seen as many. */
    public long revision;
    /** epicache: the open segment's rendered utterances, and how many segments were saved to the episode store. */
    public String[] openUtterances = new String[0];
    public long segmentsSaved;
    /** epicache: b_l per layer, fixed when the session started, so a restore never re-reads a profile. */
    public int[] layerBudgets = new int[0];
    /** epicache: the episode answering the query at the head of the queue (-1: none routed yet), fixed for all its blocks. */
    public int answerCache = -1;

    public SessionMeta() {
    }

    /** Whether the session has seen nothing, so its state can be dropped. */
    public boolean isEmpty() {
        return !started && pending.length == 0 && headSlots.length == 0 && answerTokens.length == 0 && policySpec == null;
    }

    /** Back to a session that has seen nothing (RESET, CLOSE). */
    public void clear() {
        nextPosition = 0;
        headSlots = new int[0];
        headEntries = new int[0];
        pending = new int[0];
        started = false;
        previousRole = null;
        previousText = null;
        lastEventId = null;
        tokensIngested = 0;
        revision = 0;
        openUtterances = new String[0];
        segmentsSaved = 0;
        layerBudgets = new int[0];
        answerCache = -1;
        evictions = 0;
        policySpec = null;
        answerTokens = new int[0];
        answerStartedAt = 0;
        answerFirstTokenAt = 0;
        policyState = new long[0];
    }
}
