package io.longstream.operators;

import io.longstream.inference.Backend;
import io.longstream.inference.BatchedWork;
import io.longstream.inference.ForwardBatch;
import io.longstream.inference.Model;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.operators.episodes.EpisodeStore;
import io.longstream.schemas.Answer;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The session operator: keyed by session, it keeps each session's memory in state ({@link SessionStore}) and the
 * events waiting their turn, and advances the runnable sessions in batches: each tick takes them in the
 * {@link RunQueue}'s order (sessions about to answer first, then first come first served), up to {@code maxBatch}
 * sessions and {@code maxBatchTokens} token rows, lets each begin its next expensive step ({@link SessionSteps}: a
 * prefill chunk or an answer block), runs all their work as shared forward passes ({@link ForwardBatch}, which reads
 * the weights once per pass for every session in it), then lets each finish. A session's result does not depend on its
 * batch: the runtime is batch-invariant. Ticks are processing-time callbacks, one after another, so checkpoint barriers
 * pass between them, and the token budget bounds how long one takes; which sessions are runnable, and in what order,
 * is derived from state, so a restore picks up where the checkpoint stood. What the sessions and ticks do shows in
 * Flink's metrics ({@link SessionMetrics}).
 */
public final class SessionOperator extends AbstractStreamOperator<Answer>
        implements OneInputStreamOperator<SourcedEvent, Answer>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    private final SessionConfig config;
    private final StepGuard guard;
    private final TickListener ticks;

    private transient ValueState<SessionMeta> metaState;
    private transient ListState<SourcedEvent> waiting;
    private transient InternalTimerService<VoidNamespace> expiries;
    private transient SessionSteps steps;
    private transient ForwardBatch batch;
    private transient StepEffects.Emitter emitter;
    /** Sessions with work to do, in the order ticks take them. */
    private transient RunQueue runnable;
    private transient boolean tickScheduled;
    private transient LiveCaches live;
    private transient SessionMetrics metrics;

    public SessionOperator(SessionConfig config) {
        this(config, StepFaults.NONE, TickListener.NONE);
    }

    /** With {@code faults}, tests make steps fail that no real input breaks; {@code ticks} shows them what each tick runs. */
    SessionOperator(SessionConfig config, StepFaults faults, TickListener ticks) {
        this.config = config;
        this.guard = new StepGuard(faults);
        this.ticks = ticks;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        metaState = getPartitionedState(SessionStateDescriptors.meta());
        waiting = getPartitionedState(SessionStateDescriptors.waiting());
        runnable = new RunQueue();
        if (context.isRestored()) {
            // a session has work when events wait or tokens are pending, and its place follows from them: all live in
            // state, which this subtask's key groups hold
            List<String> keys;
            KeyedStateBackend<String> backend = getKeyedStateBackend();
            try (Stream<String> stored = backend.getKeys(SessionStateDescriptors.RUNNABLE, VoidNamespace.INSTANCE)) {
                keys = stored.distinct().collect(Collectors.toList());
            }
            for (String session : keys) {
                setCurrentKey(session);
                runnable.put(session, metaOf(), queueOf());
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        Backend backend = TaskManagerGpu.choose(config.backend, getRuntimeContext().getExternalResourceInfos(TaskManagerGpu.RESOURCE));
        Model model = SharedModels.get(Paths.get(config.modelDir), backend);
        KvPageStore pages = new KvPageStore(getPartitionedState(SessionStateDescriptors.pages()));
        EpisodeStore episodes = new EpisodeStore(getPartitionedState(SessionStateDescriptors.segments()),
                getPartitionedState(SessionStateDescriptors.clustering()));
        TypeSerializer<SessionMeta> metaSerializer = TypeInformation.of(SessionMeta.class).createSerializer(getExecutionConfig().getSerializerConfig());
        TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
        SessionStore store = new SessionStore(config, model,
                new MemoryState(pages, episodes, model.config().layers, model.config().kvHeads));
        live = store.live();
        steps = new SessionSteps(config, guard, model, tokens, store, metaSerializer::copy);
        metrics = new SessionMetrics(getMetricGroup());
        batch = new ForwardBatch(model.transformer());
        expiries = getInternalTimerService("session-expiry", VoidNamespaceSerializer.INSTANCE, this);
        emitter = new StepEffects.Emitter() {
            @Override
            public void answer(Answer answer) {
                output.collect(new StreamRecord<>(answer));
            }

            @Override
            public <T> void output(OutputTag<T> tag, T value) {
                output.collect(tag, new StreamRecord<>(value));
            }

            @Override
            public SessionMetrics metrics() {
                return metrics;
            }
        };
        if (!runnable.isEmpty()) {
            scheduleTick(getProcessingTimeService().getCurrentProcessingTime());
        }
    }

    @Override
    public void processElement(StreamRecord<SourcedEvent> element) throws Exception {
        String session = (String) getCurrentKey();
        metrics.received(element.getValue());
        waiting.add(element.getValue());
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (config.idleTtlMillis > 0) {
            SessionMeta meta = metaOf();
            if (meta.expiresAt > 0) {
                expiries.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, meta.expiresAt);
            }
            meta.expiresAt = now + config.idleTtlMillis;
            expiries.registerProcessingTimeTimer(VoidNamespace.INSTANCE, meta.expiresAt);
            metaState.update(meta);
        }
        if (!runnable.contains(session)) {
            // an event behind others changes no place; a session that had nothing to do takes its place now
            runnable.put(session, metaOf(), queueOf());
        }
        scheduleTick(now);
    }

    /** An idle session's expiry; one that still has work is given another TTL from now. */
    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        SessionMeta meta = metaState.value();
        if (meta == null || meta.expiresAt != timer.getTimestamp()) {
            return;
        }
        if (runnable.contains(timer.getKey())) {
            meta.expiresAt = timer.getTimestamp() + config.idleTtlMillis;
            expiries.registerProcessingTimeTimer(VoidNamespace.INSTANCE, meta.expiresAt);
            metaState.update(meta);
            return;
        }
        steps.expire(timer.getKey(), meta, emitter);
        metaState.clear();
        sampleHeld();
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
        // sessions run on processing time only
    }

    private void scheduleTick(long at) {
        if (!tickScheduled) {
            tickScheduled = true;
            getProcessingTimeService().registerTimer(at, this::tick);
        }
    }

    /**
     * One tick: sessions in the run queue's order each begin their next step, up to maxBatch sessions, until the next
     * step would take the tick past maxBatchTokens token rows (that step is put back, and the session keeps its place;
     * the first step runs even when it alone is larger), and the steps begun run as one batch. The next tick is a
     * separate callback, so barriers pass.
     */
    private void tick(long scheduled) throws Exception {
        long started = System.nanoTime();
        tickScheduled = false;
        List<SessionSteps.Turn> taken = new ArrayList<>();
        List<SessionSteps.Turn> batched = new ArrayList<>();
        int tokens = 0;
        String session;
        while (taken.size() < config.maxBatch && (session = runnable.poll()) != null) {
            SessionSteps.Turn turn = begin(session);
            taken.add(turn);
            if (turn.work() == null) {
                continue;
            }
            int cost = turn.work().tokens();
            if (!batched.isEmpty() && tokens + cost > config.maxBatchTokens) {
                steps.withdraw(turn);
                break;
            }
            batched.add(turn);
            tokens += cost;
        }
        for (SessionSteps.Turn turn : taken) {
            if (turn.work() == null) {
                save(turn);
            }
        }
        run(batched);
        metrics.ticked(batched.size(), tokens, System.nanoTime() - started);
        sampleHeld();
        if (!runnable.isEmpty()) {
            // due a millisecond from now, not at once: the task takes one input record between two callbacks that are
            // due, so ticks back to back would read the input, and the checkpoint barriers in it, one record a tick
            scheduleTick(getProcessingTimeService().getCurrentProcessingTime() + 1);
        }
    }

    /**
     * Runs the work begun in the turns as one batch and ends the turns. Work that breaks the batch as a whole (one
     * session's bad input reaching the runtime) must not cost the others their step: then every turn is given up and
     * taken again alone, where only the session at fault fails, under its guard.
     */
    private void run(List<SessionSteps.Turn> turns) throws Exception {
        if (turns.isEmpty()) {
            return;
        }
        List<BatchedWork> works = new ArrayList<>(turns.size());
        List<TickListener.Step> ran = new ArrayList<>(turns.size());
        for (SessionSteps.Turn turn : turns) {
            works.add(turn.work());
            ran.add(new TickListener.Step(turn.session, turn.kind(), turn.work().tokens()));
        }
        ticks.ran(ran);
        RuntimeException failure = null;
        try {
            batch.finish(works);
        } catch (RuntimeException e) {
            if (turns.size() > 1) {
                for (SessionSteps.Turn turn : turns) {
                    // the cheap steps before the work stay done: saved, they are not taken twice
                    steps.abandon(turn);
                    save(turn);
                }
                for (SessionSteps.Turn turn : turns) {
                    SessionSteps.Turn alone = begin(turn.session);
                    if (alone.work() == null) {
                        save(alone);
                    } else {
                        run(List.of(alone));
                    }
                }
                return;
            }
            failure = e;
        }
        for (SessionSteps.Turn turn : turns) {
            setCurrentKey(turn.session);
            if (failure == null) {
                steps.end(turn, emitter);
            } else {
                steps.fail(turn, failure, emitter);
            }
            save(turn);
        }
    }

    /** Shows the metrics what the operator holds now: runnable sessions and live caches. */
    private void sampleHeld() {
        metrics.held(runnable.size(), live.sessions(), live.bytes());
    }

    private SessionSteps.Turn begin(String session) throws Exception {
        setCurrentKey(session);
        return steps.begin(session, metaOf(), queueOf(), emitter);
    }

    /** Writes the turn's bookkeeping and queue to state; a session with work left takes its place in the run queue. */
    private void save(SessionSteps.Turn turn) throws Exception {
        setCurrentKey(turn.session);
        if (turn.meta.isEmpty()) {
            metaState.clear();
        } else {
            metaState.update(turn.meta);
        }
        waiting.update(turn.queue);
        if (turn.more) {
            runnable.put(turn.session, turn.meta, turn.queue);
        } else {
            runnable.remove(turn.session);
        }
    }

    /** The session's waiting events, oldest first (the state backend gives null for none). */
    private List<SourcedEvent> queueOf() throws Exception {
        List<SourcedEvent> queue = new ArrayList<>();
        Iterable<SourcedEvent> stored = waiting.get();
        if (stored != null) {
            stored.forEach(queue::add);
        }
        return queue;
    }

    private SessionMeta metaOf() throws Exception {
        SessionMeta meta = metaState.value();
        return meta != null ? meta : new SessionMeta();
    }
}
