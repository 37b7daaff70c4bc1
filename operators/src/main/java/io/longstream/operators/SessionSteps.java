package io.longstream.operators;

import io.longstream.inference.AnswerDecoding;
import io.longstream.inference.BatchedWork;
import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.memory.MemoryChunk;
import io.longstream.inference.memory.QuerySeeds;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.memory.TrainedPositions;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenStream;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.state.cache.KvCache;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.flink.util.FlinkRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one session does with its events: takes documents and turns into its token stream, prefills it chunk by chunk
 * into its memory, answers queries in a scratch overlay that leaves no trace, and acts on controls. A session's turn
 * takes cheap steps (an event into the stream, a control) until it meets expensive work, a prefill chunk or a block
 * of an answer, which it hands out as {@link BatchedWork} so that the operator runs the work of many sessions in one
 * batch; once the work has run, the turn ends. Every step runs under the {@link StepGuard} on working copies of the
 * session's bookkeeping and queue, committed only when the step succeeded.
 */
final class SessionSteps {
    /** One session's part of a tick: its bookkeeping and queue as committed, and the expensive step it began. */
    static final class Turn {
        final String session;
        SessionMeta meta;
        List<SourcedEvent> queue;
        /** The expensive step begun, whose work is to run in the batch; null when there is none. */
        Begun begun;
        /** Whether the session has work left after this turn. */
        boolean more;

        private Turn(String session, SessionMeta meta, List<SourcedEvent> queue) {
            this.session = session;
            this.meta = meta;
            this.queue = queue;
        }

        /** The work to run in the batch, or null. */
        BatchedWork work() {
            return begun == null ? null : begun.work;
        }

        /** The kind of the expensive step begun (a prefill chunk or an answer block); only while there is one. */
        StepKind kind() {
            return begun.effects.current();
        }
    }

    /** What finishes an expensive step once its work has run; returns whether the session has work left. */
    private interface Finish {
        boolean run(StepEffects effects) throws Exception;
    }

    /** An expensive step begun: the working copies it changes, its held effects, its work, and how it finishes. */
    private record Begun(SessionMeta meta, List<SourcedEvent> queue, StepEffects effects, BatchedWork work, Finish finish) {
    }

    /** What one step did: cheap work (take the next now), work begun (run it in the batch), a pause, or nothing left. */
    private enum Progress { CHEAP, BEGUN, PAUSE, IDLE }

    private record Step(Progress progress, BatchedWork work, Finish finish) {
        static final Step CHEAP = new Step(Progress.CHEAP, null, null);
        static final Step PAUSE = new Step(Progress.PAUSE, null, null);
        static final Step IDLE = new Step(Progress.IDLE, null, null);

        static Step begun(BatchedWork work, Finish finish) {
            return new Step(Progress.BEGUN, work, finish);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(SessionSteps.class);

    private final SessionConfig config;
    private final StepGuard guard;
    private final Model model;
    private final TokenStream tokens;
    private final SessionStore store;
    private final MemoryUpdates updates;
    private final UnaryOperator<SessionMeta> copy;
    private final TrainedPositions positions;

    /** @param copy a deep copy of a session's bookkeeping, the working copy of a step */
    SessionSteps(SessionConfig config, StepGuard guard, Model model, TokenStream tokens, SessionStore store,
                 UnaryOperator<SessionMeta> copy) {
        this.config = config;
        this.guard = guard;
        this.model = model;
        this.tokens = tokens;
        this.store = store;
        this.copy = copy;
        this.positions = new TrainedPositions(model.config());
        this.updates = new MemoryUpdates(model.config().layers, model.config().kvHeads, model.config().headDim, config.cacheDtype);
    }

    /**
     * Takes the session's cheap steps until one begins expensive work (left in the turn for the batch) or nothing is
     * left to do. A failed step's effects are dropped and so is the live memory it may have half changed; what it
     * worked on is rejected ({@link #rejectFailed}), and the turn ends there.
     */
    Turn begin(String session, SessionMeta committed, List<SourcedEvent> queue, StepEffects.Emitter out) throws Exception {
        Turn turn = new Turn(session, committed, queue);
        while (true) {
            SessionMeta working = copy.apply(turn.meta);
            List<SourcedEvent> workingQueue = new ArrayList<>(turn.queue);
            StepGuard.Result<Step> result = guard.run(session, effects -> next(session, working, workingQueue, effects));
            if (result.failed()) {
                fail(turn, result.effects(), result.failure(), out);
                return turn;
            }
            Step step = result.value();
            if (step.progress == Progress.BEGUN) {
                turn.begun = new Begun(working, workingQueue, result.effects(), step.work, step.finish);
                return turn;
            }
            result.effects().commit(out);
            turn.meta = working;
            turn.queue = workingQueue;
            if (step.progress != Progress.CHEAP) {
                turn.more = step.progress == Progress.PAUSE;
                return turn;
            }
        }
    }

    /** Finishes the expensive step begun in {@code turn}, whose work has run; commits it, or rejects what it worked on. */
    void end(Turn turn, StepEffects.Emitter out) throws Exception {
        Begun begun = turn.begun;
        turn.begun = null;
        StepGuard.Result<Boolean> result = guard.resume(begun.effects, begun.finish::run);
        if (result.failed()) {
            fail(turn, begun.effects, result.failure(), out);
            return;
        }
        begun.effects.commit(out);
        turn.meta = begun.meta;
        turn.queue = begun.queue;
        turn.more = result.value();
    }

    /**
     * Puts back the step begun in {@code turn} before its work ran (the tick's token budget is spent): nothing of it is
     * committed, and the memory is as it was, since begun work changes it only as it runs; the cheap steps before it
     * stay done, and the session takes the step again in a later tick.
     */
    void withdraw(Turn turn) {
        turn.begun = null;
        turn.more = true;
    }

    /**
     * Gives up the step begun in {@code turn} without committing anything, when the batch its work ran in failed as a
     * whole: the live memory the work may have changed is dropped, and the turn is to be taken again.
     */
    void abandon(Turn turn) {
        withdraw(turn);
        store.drop(turn.session);
    }

    /** The work begun in {@code turn} threw {@code e}, in a batch of its own: the step fails as if it had thrown itself. */
    void fail(Turn turn, RuntimeException e, StepEffects.Emitter out) throws Exception {
        if (e instanceof FlinkRuntimeException) {
            throw e;
        }
        Begun begun = turn.begun;
        turn.begun = null;
        fail(turn, begun.effects, StepGuard.failure(begun.effects, e), out);
    }

    /**
     * Fails the turn's step, whose held effects are {@code step}: drops the live memory, rejects what the step worked on
     * and commits that.
     */
    private void fail(Turn turn, StepEffects step, String reason, StepEffects.Emitter out) throws Exception {
        store.drop(turn.session);
        SessionMeta meta = copy.apply(turn.meta);
        List<SourcedEvent> queue = new ArrayList<>(turn.queue);
        rejectFailed(meta, queue, step.event(), step.current(), reason).commit(out);
        turn.meta = meta;
        turn.queue = queue;
        turn.more = meta.pending.length > 0 || !queue.isEmpty();
    }

    /**
     * Rejects, with {@code reason}, what a failed step worked on, and takes it out of the session ({@code meta} and
     * {@code queue} as they were before the step): an event at the head of the queue leaves it (a query's partial
     * answer with it); a prefill's events are all those with tokens pending, and every pending token is dropped, so
     * the cache keeps what the chunks before gave it (a long event may be in it in part) and the stream goes on with
     * the next event. The rejects count under {@code kind}, the work the step failed at.
     */
    private static StepEffects rejectFailed(SessionMeta meta, List<SourcedEvent> queue, SourcedEvent failed, StepKind kind,
                                            String reason) {
        StepEffects effects = new StepEffects();
        if (failed == null) {
            for (RawRecord source : meta.dropPending()) {
                effects.reject(kind, SourcedEvent.rejection(source, reason));
            }
        } else {
            queue.remove(0);
            if (failed.event.getPayload() instanceof Query) {
                meta.endAnswer();
            }
            effects.reject(kind, failed.rejected(reason));
        }
        return effects;
    }

    /** Drops an idle session's state and pages (the Contracts' idle TTL); its next event starts it afresh. */
    void expire(String session, SessionMeta meta, StepEffects.Emitter out) throws Exception {
        String lastEvent = meta.lastEventId;
        StepEffects effects = new StepEffects();
        store.forget(session, meta, effects);
        effects.output(Outputs.MEMORY, updates.of(session, lastEvent, meta, null, 0, "expired"));
        effects.report(SessionMetrics::expired);
        effects.commit(out);
    }

    /** One step: a prefill chunk if one is due, else the event at the head of the queue; says what it did. */
    private Step next(String session, SessionMeta meta, List<SourcedEvent> queue, StepEffects effects) throws Exception {
        if (meta.pending.length == 0 && queue.isEmpty()) {
            return Step.IDLE;
        }
        effects.on(meta.pending.length > 0 ? null : queue.get(0));
        effects.at(StepKind.RESTORE);
        SessionMemory memory = store.memoryOf(session, meta);
        int chunk = memory.chunk();
        if (meta.pending.length >= chunk) {
            return prefill(session, meta, memory, chunk, effects);
        }
        if (queue.isEmpty()) {
            return Step.IDLE;
        }
        SourcedEvent sourced = queue.get(0);
        Object payload = sourced.event.getPayload();
        if (payload instanceof Query) {
            if (meta.pending.length > 0) {
                return prefill(session, meta, memory, meta.pending.length, effects);
            }
            effects.on(sourced);
            return answer(session, meta, memory, queue, sourced, (Query) payload, effects);
        }
        effects.on(sourced);
        queue.remove(0);
        if (payload instanceof Control) {
            // a switch compacts, and the session pauses so that its next step takes the new policy's c*
            return control(session, meta, memory, sourced, (Control) payload, effects) ? Step.PAUSE : Step.CHEAP;
        }
        take(session, meta, memory, sourced, payload, effects);
        return Step.CHEAP;
    }

    /** Takes a document or turn into the stream's pending tokens, or rejects it when the budget refuses them. */
    private void take(String session, SessionMeta meta, SessionMemory memory, SourcedEvent sourced, Object payload,
                      StepEffects effects) {
        effects.at(StepKind.TOKENIZE);
        int[] body = bodyOf(meta, payload);
        // a new session's stream opens with BOS
        int[] stream = meta.started ? body : tokens.withStart(body);
        String refusal = memory.ingestRefusal(meta.pending.length + stream.length);
        if (refusal != null) {
            effects.reject(sourced.rejected(refusal));
            effects.output(Outputs.MEMORY, updates.of(session, sourced.event.getEventId(), meta, memory, 0, "budget exceeded"));
            return;
        }
        accept(meta, sourced, payload, stream);
        meta.lastEventId = sourced.event.getEventId();
        if (observe(memory, payload, body)) {
            persist(session, meta, memory, effects, "ok");
        } else {
            // what the memory saw may still be kept (epicache's open segment), though nothing a live copy lacks
            store.save(meta, memory, effects);
        }
    }

    /** The tokens of a document or turn event, as its text renders in the stream. */
    private int[] bodyOf(SessionMeta meta, Object payload) {
        if (payload instanceof DocumentChunk) {
            return tokens.document(((DocumentChunk) payload).getText());
        }
        ConversationTurn turn = (ConversationTurn) payload;
        return tokens.turn(previous(meta), new Message(turn.getRole(), turn.getText()));
    }

    /**
     * Shows an accepted event to the memory (epicache segments it: a document by its tokens {@code body}, a turn by
     * its text); returns whether the memory changed.
     */
    private static boolean observe(SessionMemory memory, Object payload, int[] body) {
        return payload instanceof DocumentChunk
                ? memory.observeDocument(body)
                : memory.observeTurn(((ConversationTurn) payload).getRole(), ((ConversationTurn) payload).getText());
    }

    private static void accept(SessionMeta meta, SourcedEvent sourced, Object payload, int[] stream) {
        meta.addPending(stream, sourced.source);
        meta.started = true;
        if (payload instanceof ConversationTurn) {
            ConversationTurn turn = (ConversationTurn) payload;
            meta.previousRole = turn.getRole();
            meta.previousText = turn.getText();
        }
    }

    /** Begins a prefill chunk of {@code count} pending tokens; once it has run, the memory is persisted. */
    private Step prefill(String session, SessionMeta meta, SessionMemory memory, int count, StepEffects effects) {
        effects.at(StepKind.PREFILL);
        KvCache cache = memory.cache(0);
        String untrained = positions.firstPassedBy(cache.ropeMode(), cache.nextPosition(), cache.nextPosition() + (long) count);
        MemoryChunk chunk = memory.startPrefill(meta.takePending(count), false);
        effects.suspend();
        return Step.begun(chunk, done -> {
            if (untrained != null) {
                LOG.warn("session {}: {}", session, untrained);
            }
            long evicted = chunk.result().evicted();
            meta.evictions += evicted;
            persist(session, meta, memory, done, "ok");
            done.report(metrics -> metrics.prefilled(count, evicted));
            return true;
        });
    }

    /** Persists a change of the memory and says so on the memory topic. */
    private void persist(String session, SessionMeta meta, SessionMemory memory, StepEffects effects, String status) {
        effects.at(StepKind.PERSIST);
        int written = store.persist(session, meta, memory, effects);
        effects.output(Outputs.MEMORY, updates.of(session, meta.lastEventId, meta, memory, written, status));
        effects.report(metrics -> metrics.pagesWritten(written));
    }

    /**
     * Begins the next block of the query's answer in a scratch overlay on the answering cache, or rejects a query
     * too long for it. Between blocks only the tokens so far are kept, in state: the next block re-attends prompt and
     * tokens in one pass, which changes no bit. Once the query is answered it leaves the queue.
     */
    private Step answer(String session, SessionMeta meta, SessionMemory memory, List<SourcedEvent> queue, SourcedEvent sourced,
                        Query query, StepEffects effects) {
        long now = System.currentTimeMillis();
        effects.at(StepKind.TOKENIZE);
        int[] prompt = tokens.query(previous(meta), query.getText());
        if (!meta.started) {
            prompt = tokens.withStart(prompt);
        }
        effects.at(StepKind.ANSWER);
        int maxNew = query.getMaxNewTokens();
        String refusal = memory.queryRefusal(prompt.length, maxNew);
        if (refusal != null) {
            effects.reject(sourced.rejected(refusal));
            queue.remove(0);
            return Step.CHEAP;
        }
        if (meta.answerStartedAt == 0) {
            meta.answerStartedAt = now;
        }
        if (meta.answerCache < 0) {
            meta.answerCache = memory.route(query.getText());
        }
        KvCache cache = memory.cache(meta.answerCache);
        int cachedTokens = cache.maxEntries();
        KvCache.Mark mark = cache.mark();
        Sampler sampler = Sampler.of(query.getTemperature(), query.getTopP(),
                QuerySeeds.seed(query.getSeed(), session, query.getQueryId())).skip(meta.answerTokens.length);
        AnswerDecoding decoding = new AnswerDecoding(model.transformer(), memory.queryChunk(), prompt, meta.answerTokens, cache,
                sampler, maxNew, model.stopTokenIds(), config.decodeBlock, token -> {
                    if (meta.answerFirstTokenAt == 0) {
                        meta.answerFirstTokenAt = System.currentTimeMillis();
                    }
                });
        int promptTokens = prompt.length;
        effects.suspend();
        return Step.begun(decoding, done -> {
            cache.rollback(mark);
            Generator.Result result = decoding.result();
            if (result.finishReason == null) {
                meta.answerTokens = result.tokens;
                return true;
            }
            Answer answer = answerOf(session, meta, memory, query, result, promptTokens, cachedTokens);
            long firstTokenAt = meta.answerFirstTokenAt;
            // counted before it is sent: whoever sees the answer sees it counted
            done.report(metrics -> metrics.answered(sourced.source, answer, firstTokenAt));
            done.answer(answer);
            meta.endAnswer();
            queue.remove(0);
            return !queue.isEmpty();
        });
    }

    private Answer answerOf(String session, SessionMeta meta, SessionMemory memory, Query query, Generator.Result result,
                            int promptTokens, int cachedTokens) {
        long end = System.currentTimeMillis();
        List<Integer> ids = new ArrayList<>(result.tokens.length);
        for (int id : result.tokens) {
            ids.add(id);
        }
        return Answer.newBuilder()
                .setSessionId(session)
                .setQueryId(query.getQueryId())
                .setText(model.tokenizer().decode(result.tokens))
                .setTokenIds(ids)
                .setFinishReason(result.finishReason == Generator.FinishReason.STOP ? "stop" : "length")
                .setPromptTokens(promptTokens)
                .setCachedTokens(cachedTokens)
                .setTimeToFirstTokenMs((meta.answerFirstTokenAt == 0 ? end : meta.answerFirstTokenAt) - meta.answerStartedAt)
                .setTotalLatencyMs(end - meta.answerStartedAt)
                .setPolicy(memory.spec())
                .setModel(config.modelName)
                .build();
    }

    /** Acts on a control event; returns whether the session switched policy (and so pauses). */
    private boolean control(String session, SessionMeta meta, SessionMemory memory, SourcedEvent sourced, Control control,
                            StepEffects effects) {
        ControlAction action = control.getAction();
        if (action == ControlAction.SET_POLICY) {
            setPolicy(session, meta, memory, sourced, control.getPolicySpec(), effects);
            return true;
        }
        effects.at(StepKind.CONTROL);
        if (action == ControlAction.CLOSE && !meta.started) {
            effects.reject(sourced.rejected("CLOSE of unknown session " + session));
            return false;
        }
        store.forget(session, meta, effects);
        effects.output(Outputs.MEMORY, updates.of(session, sourced.event.getEventId(), meta, null, 0,
                action == ControlAction.RESET ? "reset" : "closed"));
        return false;
    }

    /**
     * The session's policy from now on; a cache is compacted to the new policy's target at once, so the bound
     * holds. epicache keeps other caches than the one-cache policies, so a switch to or from it is taken only
     * before the session's first event.
     */
    private void setPolicy(String session, SessionMeta meta, SessionMemory memory, SourcedEvent sourced, String text,
                           StepEffects effects) {
        effects.at(StepKind.SET_POLICY);
        SessionMemories.Switch next;
        try {
            next = store.memories(config.sessionPolicy(text)).switchFrom(session, memory, meta.started);
        } catch (IllegalArgumentException e) {
            effects.reject(sourced.rejected("SET_POLICY " + text + ": " + e.getMessage()));
            return;
        }
        meta.evictions += next.evicted();
        meta.policySpec = next.memory().spec();
        meta.lastEventId = sourced.event.getEventId();
        persist(session, meta, next.memory(), effects, "policy " + next.memory().spec());
        effects.report(metrics -> metrics.policySwitched(next.evicted()));
    }

    private static Message previous(SessionMeta meta) {
        return meta.previousRole == null ? null : new Message(meta.previousRole, meta.previousText);
    }
}
