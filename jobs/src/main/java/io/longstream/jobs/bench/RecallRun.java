package io.longstream.jobs.bench;

import io.longstream.conversations.Answers;
import io.longstream.conversations.ConversationGenerator;
import io.longstream.inference.AnswerDecoding;
import io.longstream.inference.ForwardBatch;
import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.eval.NextTokenLoss;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.TokenBuffer;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.PolicySpec;
import java.util.BitSet;

/**
 * One policy over the recall sessions, through the session memories as the session operator drives them: a session's
 * tokens are prefilled in chunks of c* as soon as c* are pending, a query flushes the rest, is routed to a cache and
 * answered greedily in a scratch overlay that is rolled back; documents and turns are shown to the memory as they
 * come (epicache segments and clusters them). Every prefilled token's next token is scored too: the streaming
 * perplexity of the conversation under the policy (epicache predicts from its latest episode's cache).
 */
final class RecallRun {
    private final Model model;
    private final RecallSessions sessions;
    private final int chunk;
    private final CacheDtype dtype;

    RecallRun(Model model, RecallSessions sessions, int chunk, CacheDtype dtype) {
        this.model = model;
        this.sessions = sessions;
        this.chunk = chunk;
        this.dtype = dtype;
    }

    RecallScore run(PolicySpec policy) {
        SessionMemories memories = new SessionMemories(model, policy, chunk, dtype);
        RecallScore score = new RecallScore();
        ForwardBatch alone = new ForwardBatch(model.transformer());
        long t0 = System.nanoTime();
        for (RecallSessions.Session session : sessions.sessions()) {
            SessionMemory memory = memories.create(session.id());
            NextTokenLoss loss = new NextTokenLoss(model.config().vocab);
            TokenBuffer pending = new TokenBuffer();
            for (RecallSessions.Piece piece : session.pieces()) {
                if (!piece.query()) {
                    String refusal = memory.ingestRefusal(pending.length() + piece.tokens().length);
                    if (refusal != null) {
                        throw new IllegalArgumentException(policy + " refuses session " + session.id() + ": " + refusal);
                    }
                    if (piece.document()) {
                        memory.observeDocument(piece.body());
                    } else {
                        memory.observeTurn(piece.role(), piece.text());
                    }
                    pending.append(piece.tokens());
                    while (pending.length() >= memory.chunk()) {
                        prefill(memory, pending.take(memory.chunk()), loss, score);
                    }
                    continue;
                }
                prefill(memory, pending.take(pending.length()), loss, score);
                answer(memory, piece, score, alone);
            }
            prefill(memory, pending.take(pending.length()), loss, score);
            score.addStream(loss);
            score.cacheBytes = Math.max(score.cacheBytes, memory.bytes());
            for (int k = 0; k < memory.cacheCount(); k++) {
                score.answerCacheBytes = Math.max(score.answerCacheBytes, memory.cache(k).bytes());
            }
        }
        score.seconds = (System.nanoTime() - t0) / 1e9;
        return score;
    }

    /** Prefills the tokens (none: nothing) and scores every one's next token. */
    private static void prefill(SessionMemory memory, int[] tokens, NextTokenLoss loss, RecallScore score) {
        if (tokens.length > 0) {
            loss.add(tokens, memory.prefill(tokens, true).logits());
            score.tokens += tokens.length;
        }
    }

    private void answer(SessionMemory memory, RecallSessions.Piece query, RecallScore score, ForwardBatch alone) {
        int[] prompt = query.tokens();
        int maxNew = ConversationGenerator.MAX_NEW_TOKENS;
        if (memory.queryRefusal(prompt.length, maxNew) != null) {
            score.add(query.event(), false, false, 0, Double.NaN);
            return;
        }
        KvCache cache = memory.cache(memory.route(query.text()));
        double attended = cache.meanEntries();
        double factKept = query.facts() == null || query.facts().length == 0 ? Double.NaN : heldShare(cache, query.facts());
        KvCache.Mark mark = cache.mark();
        AnswerDecoding decoding = alone.runAlone(new AnswerDecoding(model.transformer(), memory.queryChunk(), prompt, new int[0], cache,
                Sampler.greedy(), maxNew, model.stopTokenIds(), maxNew, token -> { }));
        cache.rollback(mark);
        Generator.Result result = decoding.result();
        score.tokens += prompt.length + result.tokens.length;
        boolean correct = Answers.matches(query.event().expected(), model.tokenizer().decode(result.tokens));
        score.add(query.event(), true, correct, attended, factKept);
    }

    /** The share of (layer, KV head, position) entries the cache holds, over every layer and KV head and the positions given. */
    static double heldShare(KvCache cache, int[] positions) {
        long held = 0;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                BitSet at = new BitSet();
                for (int slot = 0; slot < head.slots(); slot++) {
                    if (head.position(slot) != HeadCache.FREE) {
                        at.set(head.position(slot));
                    }
                }
                for (int p : positions) {
                    held += at.get(p) ? 1 : 0;
                }
            }
        }
        return (double) held / ((long) cache.layers() * cache.kvHeads() * positions.length);
    }
}
