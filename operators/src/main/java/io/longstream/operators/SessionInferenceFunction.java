package io.longstream.operators;

import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.TokenStream;
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
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The session operator: turns a session's events into its token stream, prefills it into the
 * session's KV cache one chunk per step, and answers queries from the cache in a scratch overlay that
 * leaves no trace. Work is driven by processing-time timers, one step (a prefill chunk or an answer)
 * per firing, so checkpoint barriers pass between steps. State: {@link SessionMeta}, the KV pages, and
 * the events waiting their turn (a query waits for the tokens before it; later events wait for it).
 */
public final class SessionInferenceFunction extends KeyedProcessFunction<String, SourcedEvent, Answer> {
    private static final long serialVersionUID = 1L;

    private final SessionConfig config;

    private transient ValueState<SessionMeta> metaState;
    private transient ListState<SourcedEvent> waiting;
    private transient KvPageStore pages;
    private transient Model model;
    private transient TokenStream tokenStream;
    private transient LiveCaches live;
    private transient int layers;
    /** The policy of the session the current step works on. */
    private transient CachePolicy policy;

    public SessionInferenceFunction(SessionConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext context) {
        metaState = getRuntimeContext().getState(new ValueStateDescriptor<>("session-meta", TypeInformation.of(SessionMeta.class)));
        waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting-events", TypeInformation.of(SourcedEvent.class)));
        MapState<Long, byte[]> pageState = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("kv-pages", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        pages = new KvPageStore(pageState);
        model = SharedModels.get(Paths.get(config.modelDir), config.threads);
        tokenStream = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        live = new LiveCaches(config.liveCacheBytes);
        layers = model.config().layers;
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
            expire(ctx.getCurrentKey(), meta, ctx);
        }
    }

    /** Drops an idle session's state and pages (the Contracts' idle TTL); its next event starts it afresh. */
    private void expire(String session, SessionMeta meta, Context ctx) throws Exception {
        String lastEvent = meta.lastEventId;
        pages.clear();
        live.remove(session);
        meta.clear();
        metaState.clear();
        ctx.output(Outputs.MEMORY, memoryUpdate(session, lastEvent, meta, 0, "expired"));
    }

    /** Does one unit of expensive work (a prefill chunk or an answer); returns whether work remains. */
    private boolean step(String session, Context ctx, Collector<Answer> out) throws Exception {
        SessionMeta meta = metaState.value();
        if (meta == null) {
            meta = new SessionMeta();
        }
        List<SourcedEvent> queue = new ArrayList<>();
        waiting.get().forEach(queue::add);
        policy = config.policy(meta.policySpec != null ? meta.policySpec : config.policySpec, layers);
        if (meta.policyState.length > 0) {
            policy.restore(meta.policyState);
        }
        int chunk = policy.chunk();
        boolean more;
        if (meta.pending.length >= chunk) {
            prefill(session, meta, chunk, ctx);
            more = true;
        } else {
            more = consume(session, meta, queue, chunk, ctx, out);
        }
        if (meta.isEmpty()) {
            metaState.clear();
        } else {
            metaState.update(meta);
        }
        waiting.update(queue);
        return more;
    }

    /** Takes cheap events off the queue until one needs expensive work, does it, and says whether more remains. */
    private boolean consume(String session, SessionMeta meta, List<SourcedEvent> queue, int chunk, Context ctx,
                            Collector<Answer> out) throws Exception {
        while (!queue.isEmpty()) {
            SourcedEvent sourced = queue.get(0);
            Object payload = sourced.event.getPayload();
            if (payload instanceof Query) {
                if (meta.pending.length > 0) {
                    prefill(session, meta, meta.pending.length, ctx);
                    return true;
                }
                if (!answer(session, meta, sourced, (Query) payload, chunk, ctx, out)) {
                    return true;
                }
                queue.remove(0);
                return !queue.isEmpty();
            }
            queue.remove(0);
            if (payload instanceof Control) {
                control(session, meta, sourced, (Control) payload, ctx);
                if (((Control) payload).getAction() == ControlAction.SET_POLICY) {
                    // the next step takes the new policy's c*
                    return true;
                }
                continue;
            }
            int[] tokens;
            try {
                tokens = tokensOf(meta, payload);
            } catch (RuntimeException e) {
                ctx.output(Outputs.REJECTS, sourced.rejected("cannot tokenize the event: " + e.getMessage()));
                continue;
            }
            String refusal = policy.refusal(cacheSize(meta), meta.pending.length + tokens.length);
            if (refusal != null) {
                ctx.output(Outputs.REJECTS, sourced.rejected(refusal));
                ctx.output(Outputs.MEMORY, memoryUpdate(session, sourced.event.getEventId(), meta, 0, "budget exceeded"));
                continue;
            }
            accept(meta, payload, tokens);
            meta.lastEventId = sourced.event.getEventId();
            if (meta.pending.length >= chunk) {
                return true;
            }
        }
        return false;
    }

    /** The tokens an event adds to the stream (BOS first for a new session). */
    private int[] tokensOf(SessionMeta meta, Object payload) {
        int[] body;
        if (payload instanceof DocumentChunk) {
            body = tokenStream.document(((DocumentChunk) payload).getText());
        } else {
            ConversationTurn turn = (ConversationTurn) payload;
            body = tokenStream.turn(previous(meta), new Message(turn.getRole(), turn.getText()));
        }
        return meta.started ? body : concat(tokenStream.start(), body);
    }

    private static void accept(SessionMeta meta, Object payload, int[] tokens) {
        meta.pending = concat(meta.pending, tokens);
        meta.tokensIngested += tokens.length;
        meta.started = true;
        if (payload instanceof ConversationTurn) {
            ConversationTurn turn = (ConversationTurn) payload;
            meta.previousRole = turn.getRole();
            meta.previousText = turn.getText();
        }
    }

    private void prefill(String session, SessionMeta meta, int count, Context ctx) throws Exception {
        KvCache cache = cacheOf(session, meta);
        model.transformer().forward(Arrays.copyOf(meta.pending, count), cache, false);
        meta.pending = Arrays.copyOfRange(meta.pending, count, meta.pending.length);
        compactAndSave(session, meta, cache, ctx, "ok");
    }

    /** Lets the policy compact the cache, writes the pages that changed, and says so on the memory topic. */
    private void compactAndSave(String session, SessionMeta meta, KvCache cache, Context ctx, String status) throws Exception {
        meta.evictions += policy.compact(cache);
        meta.policyState = policy.state();
        meta.chunks++;
        meta.nextPosition = cache.nextPosition();
        if (meta.headSlots.length == 0) {
            meta.headSlots = new int[cache.layers() * cache.kvHeads()];
            meta.headEntries = new int[cache.layers() * cache.kvHeads()];
        }
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                meta.headEntries[l * cache.kvHeads() + h] = cache.head(l, h).size();
            }
        }
        int written = pages.save(cache, meta.headSlots);
        live.put(session, cache, meta.chunks);
        ctx.output(Outputs.MEMORY, memoryUpdate(session, meta.lastEventId, meta, written, status));
    }

    /**
     * Decodes the next block of the query's answer in a scratch overlay; returns whether the query is
     * done (answered or rejected). Between blocks only the tokens so far are kept, in state: the next
     * step re-attends prompt and tokens in one pass, which changes no bit.
     */
    private boolean answer(String session, SessionMeta meta, SourcedEvent sourced, Query query, int chunk, Context ctx,
                           Collector<Answer> out) throws Exception {
        long now = System.currentTimeMillis();
        int[] prompt;
        try {
            prompt = tokenStream.query(previous(meta), query.getText());
        } catch (RuntimeException e) {
            ctx.output(Outputs.REJECTS, sourced.rejected("cannot tokenize the query: " + e.getMessage()));
            return true;
        }
        if (!meta.started) {
            prompt = concat(tokenStream.start(), prompt);
        }
        int maxNew = query.getMaxNewTokens();
        String refusal = prompt.length + maxNew > chunk
                ? "query too long: " + prompt.length + " prompt tokens + " + maxNew + " new tokens exceed the chunk of " + chunk
                : policy.refusal(cacheSize(meta), prompt.length + maxNew);
        if (refusal != null) {
            ctx.output(Outputs.REJECTS, sourced.rejected(refusal));
            return true;
        }
        if (meta.answerStartedAt == 0) {
            meta.answerStartedAt = now;
        }
        KvCache cache = cacheOf(session, meta);
        KvCache.Mark mark = cache.mark();
        Sampler sampler = Sampler.of(query.getTemperature(), query.getTopP(),
                QuerySeeds.seed(query.getSeed(), session, query.getQueryId())).skip(meta.answerTokens.length);
        Generator.Result result;
        try {
            result = new Generator(model.transformer(), chunk).resume(prompt, meta.answerTokens, cache, sampler, maxNew,
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
        out.collect(Answer.newBuilder()
                .setSessionId(session)
                .setQueryId(query.getQueryId())
                .setText(model.tokenizer().decode(result.tokens))
                .setTokenIds(ids)
                .setFinishReason(result.finishReason == Generator.FinishReason.STOP ? "stop" : "length")
                .setPromptTokens(prompt.length)
                .setCachedTokens(cacheSize(meta))
                .setTimeToFirstTokenMs((meta.answerFirstTokenAt == 0 ? end : meta.answerFirstTokenAt) - meta.answerStartedAt)
                .setTotalLatencyMs(end - meta.answerStartedAt)
                .setPolicy(policy.spec())
                .setModel(config.modelName)
                .build());
        meta.answerTokens = new int[0];
        meta.answerStartedAt = 0;
        meta.answerFirstTokenAt = 0;
        return true;
    }

    private void control(String session, SessionMeta meta, SourcedEvent sourced, Control control, Context ctx) throws Exception {
        ControlAction action = control.getAction();
        if (action == ControlAction.SET_POLICY) {
            setPolicy(session, meta, sourced, control.getPolicySpec(), ctx);
            return;
        }
        if (action == ControlAction.CLOSE && !meta.started) {
            ctx.output(Outputs.REJECTS, sourced.rejected("CLOSE of unknown session " + session));
            return;
        }
        pages.clear();
        live.remove(session);
        meta.clear();
        policy = config.policy(config.policySpec, layers);
        ctx.output(Outputs.MEMORY, memoryUpdate(session, sourced.event.getEventId(), meta, 0,
                action == ControlAction.RESET ? "reset" : "closed"));
    }

    /** The session's policy from now on; the cache is compacted to the new policy's target at once, so the bound holds. */
    private void setPolicy(String session, SessionMeta meta, SourcedEvent sourced, String spec, Context ctx) throws Exception {
        CachePolicy next;
        try {
            next = config.policy(spec, layers);
        } catch (IllegalArgumentException e) {
            ctx.output(Outputs.REJECTS, sourced.rejected("SET_POLICY " + spec + ": " + e.getMessage()));
            return;
        }
        policy = next;
        meta.policySpec = next.spec();
        meta.policyState = next.state();
        meta.lastEventId = sourced.event.getEventId();
        if (meta.headSlots.length > 0) {
            compactAndSave(session, meta, cacheOf(session, meta), ctx, "policy " + next.spec());
        } else {
            ctx.output(Outputs.MEMORY, memoryUpdate(session, meta.lastEventId, meta, 0, "policy " + next.spec()));
        }
    }

    private KvCache cacheOf(String session, SessionMeta meta) throws Exception {
        KvCache cache = live.get(session, meta.chunks);
        if (cache != null) {
            cache.setRopeMode(policy.ropeMode());
            return cache;
        }
        cache = model.transformer().newCache(config.cacheDtype);
        cache.setRopeMode(policy.ropeMode());
        if (meta.headSlots.length > 0) {
            pages.restore(cache, meta.headSlots);
            cache.restoreNextPosition(meta.nextPosition);
        }
        live.put(session, cache, meta.chunks);
        return cache;
    }

    private static int cacheSize(SessionMeta meta) {
        int max = 0;
        for (int s : meta.headEntries) {
            max = Math.max(max, s);
        }
        return max;
    }

    private static Message previous(SessionMeta meta) {
        return meta.previousRole == null ? null : new Message(meta.previousRole, meta.previousText);
    }

    private MemoryUpdate memoryUpdate(String session, String eventId, SessionMeta meta, int pagesWritten, String status) {
        int layers = model.config().layers;
        int kvHeads = model.config().kvHeads;
        List<Integer> perLayer = new ArrayList<>(layers);
        long entries = 0;
        for (int l = 0; l < layers; l++) {
            int max = 0;
            for (int h = 0; h < kvHeads && meta.headEntries.length > 0; h++) {
                int size = meta.headEntries[l * kvHeads + h];
                max = Math.max(max, size);
                entries += size;
            }
            perLayer.add(max);
        }
        long bytesPerEntry = HeadCache.entryBytes(model.config().headDim, config.cacheDtype);
        return MemoryUpdate.newBuilder()
                .setSessionId(session)
                .setEventId(eventId == null ? "" : eventId)
                .setTokensIngested(meta.tokensIngested)
                .setCacheEntriesPerLayer(perLayer)
                .setCacheBytes(entries * bytesPerEntry)
                .setPagesWritten(pagesWritten)
                .setEvictions(meta.evictions)
                .setStatus(status)
                .build();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
