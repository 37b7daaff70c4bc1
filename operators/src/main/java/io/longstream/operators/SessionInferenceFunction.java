package io.longstream.operators;

import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.memory.EpisodicSession;
import io.longstream.inference.memory.PolicyMemory;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenStream;
import io.longstream.operators.episodes.EpisodeClustering;
import io.longstream.operators.episodes.EpisodeSegment;
import io.longstream.operators.episodes.EpisodeStore;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicy;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.episodes.OnlineEpisodes;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The session operator: turns a session's events into its token stream, prefills it into the
 * session's memory (one KV cache, or one per episode under epicache) one chunk per step, and answers
 * queries from a cache in a scratch overlay that leaves no trace. Work is driven by processing-time
 * timers, one step (a prefill chunk or an answer) per firing, so checkpoint barriers pass between
 * steps. State: {@link SessionMeta}, the KV pages, epicache's segments and clustering, and the events
 * waiting their turn (a query waits for the tokens before it; later events wait for it). Every step runs
 * under the {@link StepGuard}: nothing one session's event does fails the job; it is rejected with the reason.
 */
public final class SessionInferenceFunction extends KeyedProcessFunction<String, SourcedEvent, Answer> {
    private static final long serialVersionUID = 1L;

    private final SessionConfig config;
    private final StepGuard guard;

    private transient ValueState<SessionMeta> metaState;
    private transient TypeSerializer<SessionMeta> metaSerializer;
    private transient ListState<SourcedEvent> waiting;
    private transient KvPageStore pages;
    private transient EpisodeStore episodeStore;
    private transient Model model;
    private transient TokenStream tokenStream;
    private transient LiveCaches live;
    private transient int layers;
    private transient int kvHeads;
    /** The memory of the session the current step works on. */
    private transient SessionMemory memory;
    /** How sessions under each policy spec seen so far start and restore. */
    private transient Map<PolicySpec, SessionMemories> memoriesBySpec;

    public SessionInferenceFunction(SessionConfig config) {
        this(config, StepFaults.NONE);
    }

    /** With {@code faults}, tests make steps fail that no real input breaks. */
    SessionInferenceFunction(SessionConfig config, StepFaults faults) {
        this.config = config;
        this.guard = new StepGuard(faults);
    }

    @Override
    public void open(OpenContext context) {
        TypeInformation<SessionMeta> metaType = TypeInformation.of(SessionMeta.class);
        metaState = getRuntimeContext().getState(new ValueStateDescriptor<>("session-meta", metaType));
        metaSerializer = getRuntimeContext().createSerializer(metaType);
        waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting-events", TypeInformation.of(SourcedEvent.class)));
        MapState<Long, byte[]> pageState = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("kv-pages", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        pages = new KvPageStore(pageState);
        episodeStore = new EpisodeStore(
                getRuntimeContext().getMapState(new MapStateDescriptor<>("episode-segments", Types.LONG, TypeInformation.of(EpisodeSegment.class))),
                getRuntimeContext().getState(new ValueStateDescriptor<>("episode-clustering", TypeInformation.of(EpisodeClustering.class))));
        model = SharedModels.get(Paths.get(config.modelDir), config.threads);
        tokenStream = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        live = new LiveCaches(config.liveCacheBytes);
        layers = model.config().layers;
        kvHeads = model.config().kvHeads;
        memoriesBySpec = new HashMap<>();
    }

    @Override
    public void processElement(SourcedEvent event, Context ctx, Collector<Answer> out) throws Exception {
        waiting.add(event);
        long now = ctx.timerService().currentProcessingTime();
        ctx.timerService().registerProcessingTimeTimer(now);
        if (config.idleTtlMillis > 0) {
            SessionMeta meta = metaState.value();
            if (meta == null) {
                meta = new SessionMeta();
            }
            if (meta.expiresAt > 0) {
                ctx.timerService().deleteProcessingTimeTimer(meta.expiresAt);
            }
            meta.expiresAt = now + config.idleTtlMillis;
            ctx.timerService().registerProcessingTimeTimer(meta.expiresAt);
            metaState.update(meta);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Answer> out) throws Exception {
        if (step(ctx.getCurrentKey(), ctx, out)) {
            // strictly later, so the next step is a new timer callback and checkpoint barriers pass in between
            ctx.timerService().registerProcessingTimeTimer(Math.max(ctx.timerService().currentProcessingTime(), timestamp + 1));
            return;
        }
        SessionMeta meta = metaState.value();
        if (meta != null && meta.expiresAt > 0 && timestamp >= meta.expiresAt) {
            expire(ctx.getCurrentKey(), meta, ctx, out);
        }
    }

    /** Drops an idle session's state and pages (the Contracts' idle TTL); its next event starts it afresh. */
    private void expire(String session, SessionMeta meta, Context ctx, Collector<Answer> out) throws Exception {
        String lastEvent = meta.lastEventId;
        StepEffects effects = new StepEffects();
        forget(session, meta, effects);
        effects.output(Outputs.MEMORY, memoryUpdate(session, lastEvent, meta, 0, "expired"));
        effects.commit(ctx, out);
        metaState.clear();
    }

    /** What a step did: cheap work (take the next one now), expensive work (the next waits for a timer), or nothing. */
    private enum Progress { CHEAP, EXPENSIVE, IDLE }

    /**
     * Takes the session's steps, cheap ones until one does expensive work (a prefill chunk, an answer block, a policy
     * switch), each under the {@link StepGuard} on a working copy of meta and queue; returns whether work remains.
     * A failed step's effects are dropped and so is the live memory it may have half changed (the next step rebuilds
     * it from state); what it worked on is rejected ({@link #rejectFailed}), and the session goes on. State is
     * written only from steps that succeeded, and as one callback, so a checkpoint sees the session between steps.
     */
    private boolean step(String session, Context ctx, Collector<Answer> out) throws Exception {
        SessionMeta meta = metaState.value();
        if (meta == null) {
            meta = new SessionMeta();
        }
        List<SourcedEvent> queue = new ArrayList<>();
        waiting.get().forEach(queue::add);
        Progress progress = Progress.CHEAP;
        while (progress == Progress.CHEAP) {
            SessionMeta working = metaSerializer.copy(meta);
            List<SourcedEvent> workingQueue = new ArrayList<>(queue);
            StepGuard.Result<Progress> result = guard.run(session, effects -> next(session, working, workingQueue, effects));
            if (result.failed()) {
                live.remove(session);
                rejectFailed(meta, queue, result.effects().event(), result.failure()).commit(ctx, out);
                progress = meta.pending.length == 0 && queue.isEmpty() ? Progress.IDLE : Progress.EXPENSIVE;
            } else {
                result.effects().commit(ctx, out);
                meta = working;
                queue = workingQueue;
                progress = result.value();
            }
        }
        if (meta.isEmpty()) {
            metaState.clear();
        } else {
            metaState.update(meta);
        }
        waiting.update(queue);
        return progress == Progress.EXPENSIVE;
    }

    /**
     * Rejects, with {@code reason}, what a failed step worked on, and takes it out of the session ({@code meta} and
     * {@code queue} as they were before the step): an event at the head of the queue leaves it (a query's partial
     * answer with it); a prefill's events are all those with tokens pending, and every pending token is dropped, so
     * the cache keeps what the chunks before gave it (a long event may be in it in part) and the stream goes on with
     * the next event.
     */
    private StepEffects rejectFailed(SessionMeta meta, List<SourcedEvent> queue, SourcedEvent failed, String reason) {
        StepEffects effects = new StepEffects();
        if (failed == null) {
            for (RawRecord source : meta.dropPending()) {
                effects.output(Outputs.REJECTS, SourcedEvent.rejection(source, reason));
            }
        } else {
            queue.remove(0);
            if (failed.event.getPayload() instanceof Query) {
                meta.endAnswer();
            }
            effects.output(Outputs.REJECTS, failed.rejected(reason));
        }
        return effects;
    }

    /** One step: a prefill chunk if one is due, else the event at the head of the queue; says what it did. */
    private Progress next(String session, SessionMeta meta, List<SourcedEvent> queue, StepEffects effects) throws Exception {
        if (meta.pending.length == 0 && queue.isEmpty()) {
            return Progress.IDLE;
        }
        effects.on(meta.pending.length > 0 ? null : queue.get(0));
        effects.at(StepKind.RESTORE);
        memory = memoryOf(session, meta);
        int chunk = memory.chunk();
        if (meta.pending.length >= chunk) {
            prefill(session, meta, chunk, effects);
            return Progress.EXPENSIVE;
        }
        if (queue.isEmpty()) {
            return Progress.IDLE;
        }
        SourcedEvent sourced = queue.get(0);
        Object payload = sourced.event.getPayload();
        if (payload instanceof Query) {
            if (meta.pending.length > 0) {
                prefill(session, meta, meta.pending.length, effects);
                return Progress.EXPENSIVE;
            }
            effects.on(sourced);
            if (!answer(session, meta, sourced, (Query) payload, effects)) {
                return Progress.EXPENSIVE;
            }
            queue.remove(0);
            return queue.isEmpty() ? Progress.IDLE : Progress.EXPENSIVE;
        }
        effects.on(sourced);
        queue.remove(0);
        if (payload instanceof Control) {
            control(session, meta, sourced, (Control) payload, effects);
            // a switch compacts, and the next step takes the new policy's c*
            return ((Control) payload).getAction() == ControlAction.SET_POLICY ? Progress.EXPENSIVE : Progress.CHEAP;
        }
        take(session, meta, sourced, payload, effects);
        return meta.pending.length >= chunk ? Progress.EXPENSIVE : Progress.CHEAP;
    }

    /** Takes a document or turn into the stream's pending tokens, or rejects it when the budget refuses them. */
    private void take(String session, SessionMeta meta, SourcedEvent sourced, Object payload, StepEffects effects) throws Exception {
        effects.at(StepKind.TOKENIZE);
        int[] body = bodyOf(meta, payload);
        // a new session's stream opens with BOS
        int[] tokens = meta.started ? body : concat(tokenStream.start(), body);
        String refusal = memory.ingestRefusal(meta.pending.length + tokens.length);
        if (refusal != null) {
            effects.output(Outputs.REJECTS, sourced.rejected(refusal));
            effects.output(Outputs.MEMORY, memoryUpdate(session, sourced.event.getEventId(), meta, 0, "budget exceeded"));
            return;
        }
        accept(meta, sourced, payload, tokens);
        meta.lastEventId = sourced.event.getEventId();
        if (observe(meta, payload, body)) {
            persist(session, meta, effects, "ok");
        }
    }

    /** The tokens of a document or turn event, as its text renders in the stream. */
    private int[] bodyOf(SessionMeta meta, Object payload) {
        if (payload instanceof DocumentChunk) {
            return tokenStream.document(((DocumentChunk) payload).getText());
        }
        ConversationTurn turn = (ConversationTurn) payload;
        return tokenStream.turn(previous(meta), new Message(turn.getRole(), turn.getText()));
    }

    /**
     * Shows an accepted event to the memory (epicache segments it: a document by its tokens {@code body}, a turn by
     * its text); returns whether the memory changed.
     */
    private boolean observe(SessionMeta meta, Object payload, int[] body) {
        boolean changed = payload instanceof DocumentChunk
                ? memory.observeDocument(body)
                : memory.observeTurn(((ConversationTurn) payload).getRole(), ((ConversationTurn) payload).getText());
        if (memory instanceof EpisodicSession) {
            meta.openUtterances = ((EpisodicSession) memory).openUtterances().toArray(String[]::new);
        }
        return changed;
    }

    private static void accept(SessionMeta meta, SourcedEvent sourced, Object payload, int[] tokens) {
        meta.addPending(tokens, sourced.source);
        meta.started = true;
        if (payload instanceof ConversationTurn) {
            ConversationTurn turn = (ConversationTurn) payload;
            meta.previousRole = turn.getRole();
            meta.previousText = turn.getText();
        }
    }

    private void prefill(String session, SessionMeta meta, int count, StepEffects effects) throws Exception {
        effects.at(StepKind.PREFILL);
        meta.evictions += memory.prefill(meta.takePending(count), false).evicted();
        persist(session, meta, effects, "ok");
    }

    /**
     * Records a change of the memory: the pages that changed (and epicache's new segments and clustering) go to
     * {@code effects}, the bookkeeping is updated, and a memory update says so.
     */
    private void persist(String session, SessionMeta meta, StepEffects effects, String status) throws Exception {
        effects.at(StepKind.PERSIST);
        meta.policyState = memory.policyState();
        meta.nextPosition = memory.cache(0).nextPosition();
        int perCache = layers * kvHeads;
        if (meta.headSlots.length < memory.cacheCount() * perCache) {
            meta.headSlots = Arrays.copyOf(meta.headSlots, memory.cacheCount() * perCache);
            meta.headEntries = Arrays.copyOf(meta.headEntries, memory.cacheCount() * perCache);
        }
        int written = 0;
        for (int k = 0; k < memory.cacheCount(); k++) {
            KvCache cache = memory.cache(k);
            written += pages.save(k, cache, meta.headSlots, effects);
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    meta.headEntries[k * perCache + l * kvHeads + h] = cache.head(l, h).size();
                }
            }
        }
        if (memory instanceof EpisodicSession) {
            EpisodicSession episodic = (EpisodicSession) memory;
            if (episodic.segmentCount() != meta.segmentsSaved) {
                OnlineEpisodes.State clustering = episodic.clustering();
                long saved = meta.segmentsSaved;
                effects.write(() -> episodeStore.save(clustering, saved));
                meta.segmentsSaved = episodic.segmentCount();
            }
        }
        meta.revision++;
        live.put(session, memory, meta.revision);
        effects.output(Outputs.MEMORY, memoryUpdate(session, meta.lastEventId, meta, written, status));
    }

    /**
     * Decodes the next block of the query's answer in a scratch overlay; returns whether the query is
     * done (answered or rejected). Between blocks only the tokens so far are kept, in state: the next
     * step re-attends prompt and tokens in one pass, which changes no bit.
     */
    private boolean answer(String session, SessionMeta meta, SourcedEvent sourced, Query query, StepEffects effects) {
        long now = System.currentTimeMillis();
        effects.at(StepKind.TOKENIZE);
        int[] prompt = tokenStream.query(previous(meta), query.getText());
        if (!meta.started) {
            prompt = concat(tokenStream.start(), prompt);
        }
        effects.at(StepKind.ANSWER);
        int maxNew = query.getMaxNewTokens();
        String refusal = memory.queryRefusal(prompt.length, maxNew);
        if (refusal != null) {
            effects.output(Outputs.REJECTS, sourced.rejected(refusal));
            return true;
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
        Generator.Result result;
        try {
            result = new Generator(model.transformer(), memory.queryChunk()).resume(prompt, meta.answerTokens, cache, sampler, maxNew,
                    model.stopTokenIds(), config.decodeBlock, token -> {
                        if (meta.answerFirstTokenAt == 0) {
                            meta.answerFirstTokenAt = System.currentTimeMillis();
                        }
                    });
        } finally {
            cache.rollback(mark);
        }
        if (result.finishReason == null) {
            meta.answerTokens = result.tokens;
            return false;
        }
        long end = System.currentTimeMillis();
        List<Integer> ids = new ArrayList<>(result.tokens.length);
        for (int id : result.tokens) {
            ids.add(id);
        }
        effects.answer(Answer.newBuilder()
                .setSessionId(session)
                .setQueryId(query.getQueryId())
                .setText(model.tokenizer().decode(result.tokens))
                .setTokenIds(ids)
                .setFinishReason(result.finishReason == Generator.FinishReason.STOP ? "stop" : "length")
                .setPromptTokens(prompt.length)
                .setCachedTokens(cachedTokens)
                .setTimeToFirstTokenMs((meta.answerFirstTokenAt == 0 ? end : meta.answerFirstTokenAt) - meta.answerStartedAt)
                .setTotalLatencyMs(end - meta.answerStartedAt)
                .setPolicy(memory.spec())
                .setModel(config.modelName)
                .build());
        meta.endAnswer();
        return true;
    }

    private void control(String session, SessionMeta meta, SourcedEvent sourced, Control control, StepEffects effects) throws Exception {
        ControlAction action = control.getAction();
        if (action == ControlAction.SET_POLICY) {
            setPolicy(session, meta, sourced, control.getPolicySpec(), effects);
            return;
        }
        effects.at(StepKind.CONTROL);
        if (action == ControlAction.CLOSE && !meta.started) {
            effects.output(Outputs.REJECTS, sourced.rejected("CLOSE of unknown session " + session));
            return;
        }
        forget(session, meta, effects);
        memory = memoryOf(session, meta);
        effects.output(Outputs.MEMORY, memoryUpdate(session, sourced.event.getEventId(), meta, 0,
                action == ControlAction.RESET ? "reset" : "closed"));
    }

    /** Drops everything the session holds: pages, episodes, its live copy and its bookkeeping. */
    private void forget(String session, SessionMeta meta, StepEffects effects) {
        pages.clear(effects);
        effects.write(episodeStore::clear);
        live.remove(session);
        meta.clear();
    }

    /**
     * The session's policy from now on; a cache is compacted to the new policy's target at once, so the bound
     * holds. epicache keeps other caches than the one-cache policies, so a switch to or from it is taken only
     * before the session's first event.
     */
    private void setPolicy(String session, SessionMeta meta, SourcedEvent sourced, String text, StepEffects effects) throws Exception {
        effects.at(StepKind.SET_POLICY);
        PolicySpec spec;
        try {
            spec = config.sessionPolicy(text);
        } catch (IllegalArgumentException e) {
            effects.output(Outputs.REJECTS, sourced.rejected("SET_POLICY " + text + ": " + e.getMessage()));
            return;
        }
        boolean episodic = spec.episodic();
        if (meta.started && (episodic || memory instanceof EpisodicSession)) {
            effects.output(Outputs.REJECTS, sourced.rejected("SET_POLICY " + text + ": a switch to or from epicache is taken only "
                    + "before the session's first event (RESET the session first)"));
            return;
        }
        SessionMemory next;
        try {
            next = episodic ? newEpisodicSession(session, meta, spec) : switchedMemory(config.cachePolicy(spec, layers));
        } catch (IllegalArgumentException e) {
            effects.output(Outputs.REJECTS, sourced.rejected("SET_POLICY " + text + ": " + e.getMessage()));
            return;
        }
        memory = next;
        if (memory instanceof PolicyMemory) {
            meta.evictions += ((PolicyMemory) memory).compact();
        }
        meta.policySpec = memory.spec();
        meta.lastEventId = sourced.event.getEventId();
        persist(session, meta, effects, "policy " + memory.spec());
    }

    /** The current cache under {@code next}, or a fresh one if the session held episodes. */
    private PolicyMemory switchedMemory(CachePolicy next) {
        return memory instanceof PolicyMemory
                ? ((PolicyMemory) memory).withPolicy(next)
                : new PolicyMemory(model.transformer(), next, model.transformer().newCache(config.cacheDtype));
    }

    /** A fresh epicache memory; its layer budgets come from the model's profile and are kept in the session's state. */
    private EpisodicSession newEpisodicSession(String session, SessionMeta meta, PolicySpec spec) {
        EpisodicSession fresh = (EpisodicSession) memories(spec).create(session);
        meta.layerBudgets = fresh.layerBudgets();
        return fresh;
    }

    /** @throws IllegalArgumentException naming what is wrong with the spec */
    private SessionMemories memories(PolicySpec spec) {
        return memoriesBySpec.computeIfAbsent(spec, s -> new SessionMemories(model, s, config.chunk, config.cacheDtype));
    }

    /** The session's memory: the live copy if it has seen every change in state, else rebuilt from state. */
    private SessionMemory memoryOf(String session, SessionMeta meta) throws Exception {
        SessionMemory held = live.get(session, meta.revision);
        if (held != null) {
            return held;
        }
        PolicySpec spec = meta.policySpec != null ? PolicySpec.parse(meta.policySpec) : config.policy;
        int cacheCount = Math.max(1, meta.headSlots.length / (layers * kvHeads));
        List<KvCache> caches = new ArrayList<>(cacheCount);
        for (int k = 0; k < cacheCount; k++) {
            KvCache cache = model.transformer().newCache(config.cacheDtype);
            if (meta.headSlots.length > 0) {
                pages.restore(k, cache, meta.headSlots);
                cache.restoreNextPosition(meta.nextPosition);
            }
            caches.add(cache);
        }
        SessionMemory restored;
        if (spec.episodic() && meta.layerBudgets.length == 0) {
            restored = newEpisodicSession(session, meta, spec);
        } else if (spec.episodic()) {
            restored = memories(spec).restoreEpisodic(session, meta.layerBudgets, episodeStore.load(), List.of(meta.openUtterances), caches);
        } else {
            CachePolicy policy = config.cachePolicy(spec, layers);
            if (meta.policyState.length > 0) {
                policy.restore(meta.policyState);
            }
            restored = new PolicyMemory(model.transformer(), policy, caches.get(0));
        }
        live.put(session, restored, meta.revision);
        return restored;
    }

    private static Message previous(SessionMeta meta) {
        return meta.previousRole == null ? null : new Message(meta.previousRole, meta.previousText);
    }

    /**
     * Entries per layer: the most any cache holds, averaged over the layer's KV heads and rounded up (epicache's
     * pair level shares a layer's budget among its heads; the other policies keep every head alike).
     */
    private MemoryUpdate memoryUpdate(String session, String eventId, SessionMeta meta, int pagesWritten, String status) {
        int perCache = layers * kvHeads;
        int caches = meta.headEntries.length / perCache;
        List<Integer> perLayer = new ArrayList<>(layers);
        long entries = 0;
        for (int l = 0; l < layers; l++) {
            int max = 0;
            for (int k = 0; k < caches; k++) {
                int sum = 0;
                for (int h = 0; h < kvHeads; h++) {
                    sum += meta.headEntries[k * perCache + l * kvHeads + h];
                }
                entries += sum;
                max = Math.max(max, (sum + kvHeads - 1) / kvHeads);
            }
            perLayer.add(max);
        }
        Map<String, String> detail = new HashMap<>();
        if (memory instanceof EpisodicSession) {
            EpisodicSession episodic = (EpisodicSession) memory;
            detail.put("episodes", Integer.toString(episodic.cacheCount()));
            detail.put("segments", Long.toString(episodic.segmentCount()));
            detail.put("layer_budgets", Arrays.toString(episodic.layerBudgets()));
        }
        long bytesPerEntry = HeadCache.entryBytes(model.config().headDim, config.cacheDtype);
        return MemoryUpdate.newBuilder()
                .setSessionId(session)
                .setEventId(eventId == null ? "" : eventId)
                .setTokensIngested(meta.tokensIngested)
                .setTokensPending(meta.pending.length)
                .setCacheEntriesPerLayer(perLayer)
                .setCacheBytes(entries * bytesPerEntry)
                .setPagesWritten(pagesWritten)
                .setEvictions(meta.evictions)
                .setStatus(status)
                .setDetail(detail)
                .build();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
